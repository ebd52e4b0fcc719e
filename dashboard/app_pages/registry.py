"""单位名册: placeholder until the registry/settings work lands."""

import streamlit as st

st.title("单位名册")
st.info("本页尚在建设中。")
