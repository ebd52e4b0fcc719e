"""In-app 催报 notices: shown at the top of every page to their recipient until read."""

from __future__ import annotations

import streamlit as st

from dashboard import door
from dashboard.core import remind_rules
from dashboard.store import remind_repo
from dashboard.ui import state
from dashboard.ui.text import plain

__all__ = ["render_notices"]


def render_notices(viewer: door.Viewer | None) -> None:
    """The signed-in user's unread notices, each with a 知道了 button that marks it read."""
    if viewer is None:
        return
    engine = state.office_engine()
    unread = remind_repo.unread_notices(engine, viewer.name, viewer.scope_code)
    if unread.empty:
        return
    tz = remind_rules.zone(str(state.settings().get("remind_timezone") or ""))
    for row in unread.itertuples():
        when = row.created_at.astimezone(tz)
        st.warning(f"**催报通知**（{when:%m-%d %H:%M}）\n\n" + _lines(row.message))
        if st.button("知道了", key=f"notice_read_{row.id}"):
            remind_repo.mark_read(engine, [int(row.id)], viewer.name)
            st.rerun()


def _lines(message: str) -> str:
    """The message's lines as Markdown lines (names escaped: they come from the registry)."""
    return "  \n".join(plain(line) for line in str(message).splitlines())
