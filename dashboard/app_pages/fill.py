"""在线填报: the signed-in user's units for the week in a grid beside last week's figures;
the importer's rules on every change; save a draft, submit; 退回 reasons; the template path."""

from __future__ import annotations

import streamlit as st

from dashboard import door
from dashboard.ui import fill, fill_upload, session, state

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

st.title("在线填报")
engine = state.engine()
viewer = session.viewer()
task = fill.pick_task(engine, key="fill_week")
if task is None:
    st.info("本周还没有开放填报任务：请等待办公室开放（办公室可在“填报审核”页开放任务）")
    st.stop()
fill.task_caption(task)
sheet = fill.load_sheet(engine, task, viewer)
if sheet.rows.empty:
    st.info("您的账号没有需要填报的单位：请联系管理员设置所辖单位")
    st.stop()
fill.show_returned(sheet)
st.caption("只填写累计数；灰色列为上周数，供对照。每次修改后立即按导入规则检查。")
edited = fill.grid(sheet)
checked = door.check_entries(engine, task, fill.cells_of(edited, fill.open_rows(sheet, edited)))
fill.show_problems(checked, edited)
fill.actions(engine, task, viewer, sheet, edited, checked)
fill_upload.template_section(engine, task, viewer, sheet)
