"""In-app 催报 notices: shown at the top of every page to their recipient until read."""

from __future__ import annotations

import streamlit as st

from dashboard import door
from dashboard.store import remind_repo
from dashboard.ui import state
from dashboard.ui.text import plain


def render_notices(viewer: door.Viewer | None) -> None:
    """The signed-in user's unread notices, each with a 知道了 button that marks it read."""
    if viewer is None:
        return
    engine = state.office_engine()
    unread = remind_repo.unread_notices(engine, viewer.name, viewer.scope_code)
    for row in unread.itertuples():
        st.warning(f"**催报通知**（{row.created_at:%m-%d %H:%M}）\n\n" + _lines(row.message))
        if st.button("知道了", key=f"notice_read_{row.id}"):
            remind_repo.mark_read(engine, [int(row.id)], viewer.name)
            st.rerun()


def _lines(message: str) -> str:
    """The message's lines as Markdown lines (names escaped: they come from the registry)."""
    return "  \n".join(plain(line) for line in str(message).splitlines())
