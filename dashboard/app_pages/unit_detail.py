"""单位详情: placeholder until issue 4 lands."""

import streamlit as st

st.title("单位详情")
st.info("本页尚在建设中。建成后将显示：单个单位的历史数据、名次变化及下级单位状态。")
