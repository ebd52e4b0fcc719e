"""Streamlit entry: page config, first-start bootstrap, sidebar, navigation.  Nothing else."""

from __future__ import annotations

import streamlit as st

from dashboard.navigation import DEFAULT_PAGE, PAGES_DIR, pages_for
from dashboard.ui import session, state


def main() -> None:
    st.set_page_config(page_title="主题教育调度看板", page_icon="📊", layout="wide")
    state.ensure_ready()
    viewer = session.current_viewer()  # every rerun: a closed session stops here
    st.session_state["viewer"] = viewer
    pages = {
        section: [
            st.Page(PAGES_DIR / file, title=title, icon=icon, default=(file == DEFAULT_PAGE))
            for file, title, icon in entries
        ]
        for section, entries in pages_for(viewer.role if viewer else None).items()
    }
    current = st.navigation(pages)
    state.render_sidebar()
    session.render_account(viewer)
    current.run()


main()
