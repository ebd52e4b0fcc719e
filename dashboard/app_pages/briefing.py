"""简报: placeholder until issue 5 lands."""

import streamlit as st

st.title("简报")
st.info("本页尚在建设中。建成后将显示：选择报告周与范围，生成 Word、PowerPoint、Excel 简报。")
