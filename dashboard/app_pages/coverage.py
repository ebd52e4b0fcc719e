"""报送情况: placeholder until issue 4 lands."""

import streamlit as st

st.title("报送情况")
st.info(
    "本页尚在建设中。建成后将显示：单位×周的报送矩阵（已报、报零、未报），本周未报单位及连续未报周数，催报名单下载与可粘贴的文字版。"
)
