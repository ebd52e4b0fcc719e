"""总览: placeholder until issue 4 lands."""

import streamlit as st

st.title("总览")
st.info(
    "本页尚在建设中。建成后将显示：报送率、主要累计数与比率及其较上周变化，城市各层级平均热度（上热中温下冷一目了然），本周要点。"
)
