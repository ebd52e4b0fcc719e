"""填报审核: the week's units × status (未开始 / 草稿 / 已提交 / 已退回 / 逾期未报 / 逾期补报) by
subtree with counts; 退回 with reasons; late changes to approve; a county's batch to forward;
the office opens tasks."""

from __future__ import annotations

import streamlit as st

from dashboard import door
from dashboard.ui import fill, fill_review, session, state

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

st.title("填报审核")
engine = state.engine()
viewer = session.viewer()
fill_review.open_task_form(engine, viewer)
task = fill.pick_task(engine, key="review_week")
if task is None:
    st.info("还没有填报任务：请在上方开放本周填报任务")
    st.stop()
fill.task_caption(task)
fill_review.close_or_reopen(engine, task, viewer)
grid = door.entry_review(engine, task, viewer)
fill_review.counts(grid)
fill_review.status_table(grid)
fill_review.pending_changes(engine, task, viewer, grid)
st.subheader("退回")
fill.return_form(engine, task, viewer, grid)
fill_review.forward(engine, task, viewer)
message = st.session_state.pop("review_message", None)
if message:
    st.success(message)
