"""设置: every campaign setting, edited by its kind and saved in one go."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import streamlit as st

from dashboard.core import settings as settings_def
from dashboard.store import repo
from dashboard.ui import state
from dashboard.ui.categories import category_editor

WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]

st.title("设置")
st.caption("修改后点“保存设置”，所有页面立即按新设置计算。")
current = state.settings()
if message := st.session_state.pop("settings_message", None):
    st.success(message)


def widget(item: settings_def.Setting, value: Any) -> Any:
    """One input for ``item``; returns what the user entered (typed, or text to parse)."""
    key = f"settings_{item.key}"
    if item.key == "report_weekday":
        return st.selectbox(
            item.label,
            range(1, 8),
            index=int(value) - 1,
            format_func=lambda d: WEEKDAYS[d - 1],
            help=item.help,
            key=key,
        )
    if item.kind == "date":
        return st.date_input(
            item.label, value=dt.date.fromisoformat(str(value)), help=item.help, key=key
        ).isoformat()
    if item.kind == "int":
        return int(st.number_input(item.label, value=int(value), step=1, help=item.help, key=key))
    if item.kind == "float":
        return float(st.number_input(item.label, value=float(value), help=item.help, key=key))
    if item.kind == "list":
        return st.text_input(item.label, value="，".join(map(str, value)), help=item.help, key=key)
    if item.kind == "json":
        return st.text_area(
            item.label, value=json.dumps(value, ensure_ascii=False), help=item.help, key=key
        )
    return st.text_input(item.label, value=str(value), help=item.help, key=key)


with st.form("settings_form"):
    entered = {item.key: widget(item, current[item.key]) for item in settings_def.SETTINGS}
    saved = st.form_submit_button("保存设置", type="primary")

if saved:
    changes: dict[str, Any] = {}
    errors: list[str] = []
    for item in settings_def.SETTINGS:
        raw = entered[item.key]
        try:
            changes[item.key] = (
                settings_def.parse_value(item.key, raw) if isinstance(raw, str) else raw
            )
        except settings_def.SettingError as exc:
            errors.append(str(exc))
    if changes.get("end_date", "") < changes.get("start_date", ""):
        errors.append("结束日期早于开始日期：请调整其中之一")
    if errors:
        for message in errors:
            st.error(message)
    else:
        repo.set_settings(state.engine(), changes)
        st.cache_data.clear()
        st.session_state["settings_message"] = "设置已保存。"
        st.rerun()

category_editor()
