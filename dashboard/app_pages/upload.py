"""上传周报: placeholder until issue 3 lands."""

import streamlit as st

st.title("上传周报")
st.info(
    "本页尚在建设中。建成后将显示：批量拖入各单位周报，逐文件校验、预览问题、确认入库，下载退回修改表。"
)
