"""层级传导: placeholder until issue 4 lands."""

import streamlit as st

st.title("层级传导")
st.info(
    "本页尚在建设中。建成后将显示：各县（部门）子树逐级平均热度、传导比，标记“上热下冷”“上热中温下冷”的子树，下钻图。"
)
