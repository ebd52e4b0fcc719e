"""导入记录: placeholder until issue 3 lands."""

import streamlit as st

st.title("导入记录")
st.info(
    "本页尚在建设中。建成后将显示：全部导入记录（文件、时间、状态、入库行数），可撤销某次导入。"
)
