"""设置: every campaign setting as a Chinese form (drawn from its declared kind), saved in one go."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard.auth import sessions
from dashboard.core import settings as settings_def
from dashboard.store import repo
from dashboard.ui import session, setting_widgets, state
from dashboard.ui.categories import category_editor
from dashboard.ui.wordings import wordings_editor

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

st.title("设置")
st.caption("修改后点页面底部的“保存设置”，所有页面立即按新设置计算。")
current = state.settings()
if message := st.session_state.pop("settings_message", None):
    st.success(message)

with st.form("settings_form"):
    entered: dict[str, Any] = {}
    for group, items in setting_widgets.groups():
        st.subheader(group)
        for item in items:
            entered[item.key] = setting_widgets.draw(item, current[item.key])
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
    errors += settings_def.problems({**current, **changes})
    if errors:
        for message in errors:
            st.error(message)
    else:
        repo.set_settings(state.engine(), changes, actor=session.actor())
        sessions.forget_limits()  # this process at once; others within sessions.LIMITS_TTL
        st.cache_data.clear()
        st.session_state["settings_message"] = "设置已保存。"
        st.rerun()

category_editor()
wordings_editor()
