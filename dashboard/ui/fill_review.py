"""Widgets of the 填报审核 page: opening a task, counts, the status table, late changes,
the county's batch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from dashboard import door
from dashboard.entry import entries, sheet, tasks
from dashboard.entry.errors import EntryError
from dashboard.entry.status import TaskInfo
from dashboard.entry.tasks import OFFICE_TZ
from dashboard.ui import state
from dashboard.ui.fill import local_time

__all__ = [
    "close_or_reopen",
    "counts",
    "forward",
    "open_task_form",
    "pending_changes",
    "status_table",
]


def open_task_form(engine: Engine, viewer: door.Viewer | None) -> None:
    """The office opens a week's task: for all units or a subtree, opening time and deadline
    (Beijing time, defaults from the settings), late entries allowed or not."""
    if not door.may_manage_tasks(viewer):
        return
    with st.expander("开放填报任务"):
        values = state.settings()
        day = st.date_input(
            "统计截止日期", value=tasks.current_report_date(values), key="review_task_day"
        )
        report_day = tasks.current_report_date(values, day)
        opens, deadline = (t.astimezone(OFFICE_TZ) for t in tasks.default_times(report_day, values))
        labels = dict(state.scopes())
        with st.form(f"review_open_task_{report_day.isoformat()}"):
            st.caption(
                f"报送日 {report_day.isoformat()}；默认时间来自“设置 → 在线填报”，可按需修改"
            )
            scope = st.selectbox(
                "填报范围", ["", *labels], format_func=lambda c: labels.get(c, "全部单位"),
                key="review_task_scope",
            )  # fmt: skip
            one, two = st.columns(2)
            open_day = one.date_input("开放日期", value=opens.date(), key="review_task_open_day")
            open_time = two.time_input(
                "开放时刻（北京时间）", value=opens.time(), key="review_task_open_time"
            )
            three, four = st.columns(2)
            end_day = three.date_input("截止日期", value=deadline.date(), key="review_task_end_day")
            end_time = four.time_input(
                "截止时刻（北京时间）", value=deadline.time(), key="review_task_end_time"
            )
            late = st.checkbox(
                "截止后仍可提交（记为逾期补报）",
                value="allow" in values["fill_allow_late"],
                key="review_task_late",
            )
            go = st.form_submit_button("开放这一周的填报任务")
        if go:
            _open(
                engine,
                viewer,
                report_day,
                scope or None,
                (open_day, open_time),
                (end_day, end_time),
                late,
            )


def _beijing(day: dt.date, moment: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, moment, OFFICE_TZ).astimezone(dt.UTC)


def _open(
    engine: Engine,
    viewer: door.Viewer | None,
    report_day: dt.date,
    scope: str | None,
    opens: tuple[dt.date, dt.time],
    deadline: tuple[dt.date, dt.time],
    late: bool,
) -> None:
    try:
        door.open_fill_task(
            engine,
            viewer,
            report_day,
            scope_code=scope,
            opens_at=_beijing(*opens),
            deadline=_beijing(*deadline),
            allow_late=late,
        )
    except (EntryError, door.DoorError) as exc:
        st.error(str(exc))
        return
    where = dict(state.scopes()).get(scope or "", "全部单位").strip()
    st.session_state["review_message"] = (
        f"已开放 {report_day.isoformat()} 这一周的填报任务（{where}）"
    )
    st.rerun()


def close_or_reopen(engine: Engine, task: TaskInfo, viewer: door.Viewer | None) -> None:
    """Close the task (no more entries) or reopen it, move its deadline or change its late
    rule; audited like every write, refused by the door to anyone but the office."""
    if not door.may_manage_tasks(viewer):
        return
    closing = task.closed_at is None
    text = "关闭这一周的填报任务" if closing else "重新开放这一周的填报任务"
    if st.button(text, key=f"review_task_close_{task.id}"):
        done = "已关闭" if closing else "已重新开放"
        _update(engine, viewer, task, f"{done} {task.report_date.isoformat()} 这一周的填报任务",
                closed=closing)  # fmt: skip
    _adjust_form(engine, task, viewer)


def _adjust_form(engine: Engine, task: TaskInfo, viewer: door.Viewer | None) -> None:
    opens = task.opens_at.astimezone(OFFICE_TZ)
    deadline = task.deadline.astimezone(OFFICE_TZ)
    label = "调整开放、截止时间与逾期规则"
    with st.expander(label), st.form(f"review_task_adjust_{task.id}"):
        one, two = st.columns(2)
        start_day = one.date_input(
            "开放日期", value=opens.date(), key=f"review_adjust_open_day_{task.id}"
        )
        start_time = two.time_input(
            "开放时刻（北京时间）", value=opens.time(), key=f"review_adjust_open_time_{task.id}"
        )
        end_day = one.date_input(
            "截止日期", value=deadline.date(), key=f"review_adjust_day_{task.id}"
        )
        end_time = two.time_input(
            "截止时刻（北京时间）", value=deadline.time(), key=f"review_adjust_time_{task.id}"
        )
        late = st.checkbox(
            "截止后仍可提交（记为逾期补报）",
            value=task.allow_late,
            key=f"review_adjust_late_{task.id}",
        )
        go = st.form_submit_button("保存调整")
    if not go:
        return
    start, moved = _beijing(start_day, start_time), _beijing(end_day, end_time)
    done = f"已调整填报任务：开放 {local_time(start)}，截止 {local_time(moved)}"
    _update(engine, viewer, task, done, opens_at=start, deadline=moved, allow_late=late)


def _update(
    engine: Engine, viewer: door.Viewer | None, task: TaskInfo, done: str, **change: Any
) -> None:
    try:
        door.update_fill_task(engine, viewer, task.id, **change)
    except (door.DoorError, EntryError) as exc:
        st.error(str(exc))
        return
    st.session_state["review_message"] = done
    st.rerun()


def counts(grid: pd.DataFrame) -> None:
    total = len(grid)
    done = int(grid["status"].isin(["submitted", "late"]).sum())
    cols = st.columns(4)
    cols[0].metric("应报单位", f"{total:,}")
    cols[1].metric("已提交", f"{done:,}")
    cols[2].metric("已退回", f"{int((grid['status'] == 'returned').sum()):,}")
    cols[3].metric("逾期未报", f"{int((grid['status'] == 'overdue').sum()):,}")
    st.dataframe(sheet.status_counts(grid), hide_index=True, width="stretch")


def status_table(grid: pd.DataFrame) -> None:
    labels = ["全部", *dict.fromkeys(grid["label"])]
    chosen = st.segmented_control("只看", labels, default="全部", key="review_filter")
    view = grid if chosen in (None, "全部") else grid[grid["label"] == chosen]
    shown = pd.DataFrame(
        {
            "所属系统": view["subtree"],
            "单位名称": view["unit_name"],
            "状态": view["label"],
            "来源": view["source"].map({"online": "在线填报", "upload": "上传周报"}).fillna(""),
            "提交人": view["submitted_by"].fillna(""),
            "提交时间": [
                local_time(t) if isinstance(t, dt.datetime) and not pd.isna(t) else ""
                for t in view["submitted_at"]
            ],
            "汇总上报": view["forwarded_by"],
            "退回原因": view["return_reason"].fillna(""),
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")


def pending_changes(
    engine: Engine, task: TaskInfo, viewer: door.Viewer | None, grid: pd.DataFrame
) -> None:
    waiting = grid[grid["pending"]]
    if waiting.empty or (viewer is not None and viewer.role not in entries.REVIEW_ROLES):
        return
    st.subheader("截止后修改（待批准）")
    actor = door.entry_actor(engine, viewer)
    for row in waiting.itertuples():
        left, mid, right = st.columns([3, 1, 1])
        left.write(f"{row.unit_name}：截止后提交了修改")
        for column, approve, text in ((mid, True, "批准"), (right, False, "不批准")):
            if column.button(text, key=f"review_change_{row.unit_code}_{approve}"):
                try:
                    entries.decide_change(engine, task, actor, row.unit_code, row.version, approve)
                except EntryError as exc:
                    st.error(str(exc))
                    return
                st.session_state["review_message"] = f"{row.unit_name}：已{text}修改"
                st.rerun()


def forward(engine: Engine, task: TaskInfo, viewer: door.Viewer | None) -> None:
    """多级上报: a county liaison reports its townships' submitted entries up."""
    if viewer is None or viewer.role != "liaison":
        return
    st.subheader("汇总上报")
    if st.button("将下级已提交的数据汇总上报办公室", key="review_forward"):
        try:
            sent = entries.forward_batch(engine, task, door.entry_actor(engine, viewer))
        except EntryError as exc:
            st.error(str(exc))
            return
        st.session_state["review_message"] = f"已汇总上报 {len(sent)} 个单位"
        st.rerun()
