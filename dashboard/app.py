"""Streamlit entry: page config, first-start bootstrap, demo banner, sidebar, navigation."""

from __future__ import annotations

import streamlit as st

from dashboard.navigation import DEFAULT_PAGE, FIRST_START_PAGE, NAVIGATION, PAGES_DIR
from dashboard.ui import state


def main() -> None:
    st.set_page_config(page_title="主题教育调度看板", page_icon="📊", layout="wide")
    state.ensure_ready()
    default = DEFAULT_PAGE if state.has_units() else FIRST_START_PAGE
    pages = {
        section: [
            st.Page(PAGES_DIR / file, title=title, icon=icon, default=(file == default))
            for file, title, icon in entries
        ]
        for section, entries in NAVIGATION.items()
    }
    current = st.navigation(pages, expanded=True)  # never a collapsed "View more" in English
    state.render_sidebar()
    state.render_demo_banner()
    current.run()


main()
