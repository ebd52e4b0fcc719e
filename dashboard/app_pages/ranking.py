"""排名: placeholder until issue 4 lands."""

import streamlit as st

st.title("排名")
st.info(
    "本页尚在建设中。建成后将显示：同层级（可选同类别）单位热度排名、较上周名次变化、红黄绿分档，前后若干名图表。"
)
