"""Streamlit entry: page config, first-start bootstrap, sidebar, navigation.  Nothing else."""

from __future__ import annotations

import streamlit as st

from dashboard.navigation import DEFAULT_PAGE, NAVIGATION, PAGES_DIR
from dashboard.ui import state


def main() -> None:
    st.set_page_config(page_title="主题教育调度看板", page_icon="📊", layout="wide")
    state.ensure_ready()
    pages = {
        section: [
            st.Page(PAGES_DIR / file, title=title, icon=icon, default=(file == DEFAULT_PAGE))
            for file, title, icon in entries
        ]
        for section, entries in NAVIGATION.items()
    }
    current = st.navigation(pages)
    state.render_sidebar()
    current.run()


main()
