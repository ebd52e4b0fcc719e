"""Streamlit entry: page config, first-start bootstrap, sign-in check, demo banner, sidebar,
navigation.  Nothing else."""

from __future__ import annotations

import streamlit as st

from dashboard.navigation import (
    DEFAULT_PAGE,
    FIRST_START_PAGE,
    PAGES_DIR,
    may_open,
    pages_for,
    url_path,
)
from dashboard.ui import session, state
from dashboard.ui.notices import render_notices

__all__ = ["main"]


def main() -> None:
    st.set_page_config(page_title="主题教育调度看板", page_icon="📊", layout="wide")
    state.ensure_ready()
    viewer = session.current_viewer()  # every rerun: a closed session stops here
    st.session_state["viewer"] = viewer
    role = viewer.role if viewer else None
    first_start = not state.has_units() and may_open(role, FIRST_START_PAGE)
    default = FIRST_START_PAGE if first_start else DEFAULT_PAGE
    pages = {
        section: [
            st.Page(
                PAGES_DIR / file,
                title=title,
                icon=icon,
                url_path=url_path(file),  # the 催报 message links to the 填报 page by it
                default=(file == default),
            )
            for file, title, icon in entries
        ]
        for section, entries in pages_for(role).items()
    }
    current = st.navigation(pages, expanded=True)  # never a collapsed "View more" in English
    state.render_sidebar()
    session.render_account(viewer)
    state.render_demo_banner()
    render_notices(viewer)  # 催报 notices until read
    current.run()


main()
