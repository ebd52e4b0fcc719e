"""Widgets of the 填报 and 审核 pages: the task picker, the entry grid, problems at their
cells, the 退回 form. The work is done in ``dashboard.entry``; figures come through the door."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from dashboard import door
from dashboard.core.catalogue import INDICATOR_CODES, indicator
from dashboard.entry import entries, rules
from dashboard.entry.errors import EntryError
from dashboard.entry.sheet import Sheet, cell_reason_text, prev_column
from dashboard.entry.status import DONE, TaskInfo
from dashboard.entry.tasks import OFFICE_TZ
from dashboard.ui.text import plain

__all__ = [
    "EDITOR",
    "GENERATION",
    "MESSAGE",
    "SHEET",
    "actions",
    "announce",
    "cells_of",
    "changed",
    "editor_key",
    "filled",
    "grid",
    "load_sheet",
    "local_time",
    "open_rows",
    "pick_task",
    "reload",
    "return_form",
    "show_outcome",
    "show_problems",
    "show_returned",
    "task_caption",
]

SHEET = "fill_sheet"  # task id → the Sheet as loaded (its versions are the compare-and-set)
EDITOR = "fill_editor"
MESSAGE = "fill_message"
GENERATION = "fill_generation"  # task id → how many times its grid was reloaded


def local_time(moment: dt.datetime) -> str:
    return moment.astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M")


def task_caption(task: TaskInfo) -> None:
    late = "截止后仍可提交（记为逾期补报）" if task.allow_late else "截止后不能再提交"
    closed = "（已关闭）" if task.closed_at else ""
    st.caption(
        f"统计截止日期 {task.report_date.isoformat()}{closed} · 开放 {local_time(task.opens_at)}"
        f" · 截止 {local_time(task.deadline)}（北京时间） · {late}"
    )


def pick_task(engine: Engine, key: str) -> TaskInfo | None:
    """This week's task (created when automatic tasks are on), or an earlier one chosen."""
    current = door.fill_task(engine)
    days = sorted(set(door.fill_task_dates(engine)), reverse=True)
    if not days:
        return current
    default = days.index(current.report_date) if current and current.report_date in days else 0
    day = st.selectbox(
        "填报周（统计截止日期）",
        days,
        index=default,
        format_func=lambda d: d.isoformat(),
        key=key,
    )
    return door.fill_task(engine, day)


def load_sheet(engine: Engine, task: TaskInfo, viewer: door.Viewer | None) -> Sheet:
    """The sheet as first read in this session; kept until saved or refreshed, so the
    versions sent back are those the user saw (compare-and-set)."""
    held: dict[int, Sheet] = st.session_state.setdefault(SHEET, {})
    if task.id not in held:
        held[task.id] = door.entry_sheet(engine, task, viewer)
    return held[task.id]


def editor_key(task_id: int) -> str:
    """The grid's widget key: new after each reload, so that the browser mounts a fresh
    editor for the new figures.

    Reusing the key with new data makes the browser's editor reset its edits and rerun the
    page once more by itself; a cell typed in the meantime (right after 保存草稿) was lost."""
    generation = st.session_state.get(GENERATION, {}).get(task_id, 0)
    return f"{EDITOR}_{task_id}_{generation}"


def reload(task: TaskInfo) -> None:
    """Read the sheet again on the next run, in a new editor (see ``editor_key``)."""
    st.session_state.get(SHEET, {}).pop(task.id, None)
    st.session_state.pop(editor_key(task.id), None)
    generations: dict[int, int] = st.session_state.setdefault(GENERATION, {})
    generations[task.id] = generations.get(task.id, 0) + 1


def show_returned(sheet: Sheet) -> None:
    names = dict(zip(sheet.rows["unit_code"], sheet.rows["unit_name"], strict=True))
    for code, (reason, cells) in sheet.returned.items():
        lines = "".join(f"\n- {plain(line)}" for line in cell_reason_text(cells))
        st.warning(f"**{plain(names.get(code, code))}** 的填报被退回：{plain(reason)}{lines}")


def _headers() -> dict[str, str]:
    """Grid column → its Chinese header (the editor's own column names are shown too)."""
    names = {"unit_code": "单位编码", "unit_name": "单位名称", "label": "状态"}
    for code in INDICATOR_CODES:
        names[code] = indicator(code).label
        names[prev_column(code)] = f"{indicator(code).label}（上周）"
    return names


def grid(sheet: Sheet) -> pd.DataFrame:
    """The editable grid: unit and status fixed, each figure editable beside last week's.
    Returns the edited rows with the sheet's own column names."""
    headers = _headers()
    frame = sheet.rows[list(headers)].copy()
    for code in INDICATOR_CODES:
        frame[code] = [("" if pd.isna(v) else str(int(v))) for v in frame[code]]
    frame = frame.rename(columns=headers)
    config: dict[str, Any] = {
        "单位名称": st.column_config.TextColumn(disabled=True, pinned=True),
    }
    for code in INDICATOR_CODES:
        label = headers[code]
        config[label] = st.column_config.TextColumn(
            help=f"{label}（累计数）；空表示未填，没有请填 0"
        )
        config[headers[prev_column(code)]] = st.column_config.NumberColumn(format="%d")
    fixed = ["单位编码", "单位名称", "状态", *(headers[prev_column(c)] for c in INDICATOR_CODES)]
    edited: pd.DataFrame = st.data_editor(
        frame,
        column_config=config,
        column_order=[h for h in headers.values() if h != "单位编码"],
        disabled=fixed,
        hide_index=True,
        num_rows="fixed",
        placeholder="未填",
        key=editor_key(sheet.task.id),
        width="stretch",
    )
    edited = edited.rename(columns={v: k for k, v in headers.items()})
    edited["unit_name"] = list(sheet.rows["unit_name"])
    return edited


def cells_of(edited: pd.DataFrame, codes: list[str]) -> dict[str, dict[str, object]]:
    rows = edited.set_index("unit_code")
    return {code: {ind: rows.at[code, ind] for ind in INDICATOR_CODES} for code in codes}


def filled(edited: pd.DataFrame) -> list[str]:
    """Units with at least one figure typed."""
    values = edited[list(INDICATOR_CODES)].astype(str).apply(lambda c: c.str.strip())
    mask = (values != "") & (values != "nan") & (values != "<NA>") & (values != "None")
    return [str(c) for c in edited.loc[mask.any(axis=1), "unit_code"]]


def open_rows(sheet: Sheet, edited: pd.DataFrame) -> list[str]:
    """The units a submit would send: typed in, and not submitted yet or changed since."""
    status = dict(zip(sheet.rows["unit_code"], sheet.rows["status"], strict=True))
    moved = set(changed(sheet, edited))
    return [c for c in filled(edited) if status[c] not in DONE or c in moved]


def changed(sheet: Sheet, edited: pd.DataFrame) -> list[str]:
    """Units whose typed cells differ from what was loaded."""
    before = sheet.rows.set_index("unit_code")
    after = edited.set_index("unit_code")
    out = []
    for code in after.index:
        for ind in INDICATOR_CODES:
            old = before.at[code, ind]
            new = str(after.at[code, ind]).strip()
            if ("" if pd.isna(old) else str(int(old))) != (
                "" if new in ("nan", "None", "<NA>") else new
            ):
                out.append(str(code))
                break
    return out


def show_problems(checked: rules.Checked, edited: pd.DataFrame) -> None:
    """Each problem at its cell: the grid's cells coloured (red error, yellow warning) and
    the messages listed by unit and column."""
    if not checked.problems:
        return
    names = dict(zip(edited["unit_code"], edited["unit_name"], strict=True))
    errors, warnings = len(checked.errors), len(checked.warnings)
    st.markdown(f"**检查结果**：{errors} 处错误（须改正后才能提交），{warnings} 处提醒（请核对）")
    marks: dict[tuple[str, str], str] = {}
    lines = []
    for p in checked.problems:
        where = indicator(p.indicator).label if p.indicator else "整行"
        icon = "❌" if p.is_error else "⚠️"
        lines.append(
            f"{icon} {plain(names.get(p.unit_code, p.unit_code))} · {where}：{plain(p.message)}"
        )
        if p.indicator:
            shade = "#f8d7da" if p.is_error else "#fff3cd"
            if marks.get((p.unit_code, p.indicator)) != "#f8d7da":
                marks[(p.unit_code, p.indicator)] = shade
    labels = {code: indicator(code).label for code in INDICATOR_CODES}
    view = edited.set_index("unit_code")[list(INDICATOR_CODES)].rename(columns=labels)
    view.index = pd.Index([names.get(c, c) for c in view.index], name="单位名称")
    codes = list(edited["unit_code"])
    by_label = {label: code for code, label in labels.items()}

    def colour(column: pd.Series) -> list[str]:
        code_of = by_label.get(str(column.name), "")
        return [
            f"background-color: {marks[(code, code_of)]}" if (code, code_of) in marks else ""
            for code in codes
        ]

    st.dataframe(view.style.apply(colour, axis=0), width="stretch")
    st.markdown("\n".join(f"- {line}" for line in lines))


def actions(
    engine: Engine,
    task: TaskInfo,
    viewer: door.Viewer | None,
    sheet: Sheet,
    edited: pd.DataFrame,
    checked: rules.Checked,
) -> None:
    actor = door.entry_actor(engine, viewer)
    status = dict(zip(sheet.rows["unit_code"], sheet.rows["status"], strict=True))
    moved = changed(sheet, edited)
    drafts = [c for c in moved if status[c] not in DONE]
    to_submit = open_rows(sheet, edited)
    confirm = False
    if checked.warnings:
        confirm = st.checkbox("我已核对以上提醒，确认无误后提交", key=f"fill_confirm_{task.id}")
    if moved:
        st.caption(f"有未保存的修改：{len(moved)} 个单位（保存草稿或提交后才会记录）")
    left, right, _ = st.columns([1, 1, 3])
    save = left.button("保存草稿", key=f"fill_save_{task.id}", disabled=not drafts)
    submit = right.button(
        "提交", type="primary", key=f"fill_submit_{task.id}", disabled=not to_submit
    )
    if save or submit or moved:  # new work: the last outcome no longer describes the grid
        st.session_state.pop(MESSAGE, None)
    if save:
        _run(
            task,
            lambda: entries.save_drafts(
                engine, task, actor, cells_of(edited, drafts), sheet.versions
            ),
            f"已保存草稿：{len(drafts)} 个单位",
        )
    if submit:
        if checked.errors:
            st.error(f"有 {len(checked.errors)} 处错误，不能提交：请按上面的提示改正后再提交")
            return
        if checked.warnings and not confirm:
            st.warning("有需要核对的提醒：请核对后勾选“确认无误后提交”，再点“提交”")
            return

        def send() -> entries.Outcome:
            return entries.submit(
                engine,
                task,
                actor,
                cells_of(edited, to_submit),
                sheet.versions,
                confirm_warnings=confirm,
            )

        _run(task, send, None)
    show_outcome(task)


def announce(task: TaskInfo, text: str) -> None:
    """Keep ``text`` (a save's or submit's outcome) to show from the next rerun on."""
    st.session_state[MESSAGE] = (task.id, text)


def show_outcome(task: TaskInfo) -> None:
    """The last outcome of this task's grid, shown until the user edits or acts again (not
    popped on display: any rerun before then, a widget elsewhere on the page, keeps it)."""
    held = st.session_state.get(MESSAGE)
    if isinstance(held, tuple) and held[0] == task.id:
        st.success(held[1])


def _run(task: TaskInfo, work: Callable[[], entries.Outcome], done_text: str | None) -> None:
    try:
        outcome = work()
    except EntryError as exc:
        st.error(str(exc))
        if "保存冲突" in str(exc):
            reload(task)
            st.button("刷新为最新数据", key=f"fill_refresh_{task.id}")
        return
    if outcome.blocked:
        st.error("有错误，不能提交：请按提示改正后再提交")
        return
    if outcome.needs_confirmation:
        st.warning("有需要核对的提醒：请核对后勾选“确认无误后提交”，再点“提交”")
        return
    announce(task, done_text or _submitted_text(outcome))
    reload(task)
    st.rerun()


def _submitted_text(outcome: entries.Outcome) -> str:
    parts = []
    landed = [c for c in outcome.written if c not in outcome.pending]
    if landed:
        parts.append(f"已提交 {len(landed)} 个单位，数据已进入看板")
    if outcome.pending:
        parts.append(f"{len(outcome.pending)} 个单位的截止后修改已送办公室批准")
    return "；".join(parts) or "没有需要提交的单位"


def return_form(
    engine: Engine,
    task: TaskInfo,
    viewer: door.Viewer | None,
    grid_frame: pd.DataFrame,
) -> None:
    """退回 one submitted unit with a reason, and reasons for chosen cells."""
    sent = grid_frame[grid_frame["status"].isin(DONE)]
    if sent.empty:
        st.caption("暂无已提交的单位可退回")
        return
    names = dict(zip(sent["unit_code"], sent["unit_name"], strict=True))
    versions = dict(zip(sent["unit_code"], sent["version"].astype(int), strict=True))
    with st.form(f"review_return_{task.id}"):
        code = st.selectbox(
            "退回单位", list(names), format_func=names.__getitem__, key="review_unit"
        )
        reason = st.text_input("退回原因（必填）", key="review_reason")
        labels = {c: indicator(c).label for c in INDICATOR_CODES}
        cells = st.multiselect(
            "需要修改的指标（可选）", list(labels), format_func=labels.__getitem__
        )
        cell_reason = st.text_input("这些指标的修改说明（可选）", key="review_cell_reason")
        go = st.form_submit_button("退回")
    if go:
        actor = door.entry_actor(engine, viewer)
        try:
            entries.return_entry(
                engine,
                task,
                actor,
                code,
                reason,
                versions.get(code, 0),
                dict.fromkeys(cells, cell_reason or reason),
            )
        except EntryError as exc:
            st.error(str(exc))
            return
        st.session_state["review_message"] = f"已退回“{names[code]}”：{reason}"
        st.rerun()
