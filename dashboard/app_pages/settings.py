"""设置: placeholder until the registry/settings work lands."""

import streamlit as st

st.title("设置")
st.info("本页尚在建设中。")
