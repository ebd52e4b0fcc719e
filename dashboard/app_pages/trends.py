"""趋势: placeholder until issue 4 lands."""

import streamlit as st

st.title("趋势")
st.info(
    "本页尚在建设中。建成后将显示：按层级和选定单位的累计与每周新增曲线，停滞单位标注，按当前进度推算到结束日期。"
)
