"""落后单位: placeholder until issue 4 lands."""

import streamlit as st

st.title("落后单位")
st.info(
    "本页尚在建设中。建成后将显示：每个落后单位及其全部原因：未报送、停滞、排名末位、销号率偏低、“两张皮”、按当前进度不能按期完成。"
)
