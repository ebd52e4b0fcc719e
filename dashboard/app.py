"""Streamlit entry: page config, first-start bootstrap, sidebar, navigation.  Nothing else."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.ui import state

PAGES_DIR = Path(__file__).parent / "app_pages"

NAVIGATION: dict[str, list[tuple[str, str, str]]] = {
    "调度看板": [
        ("overview.py", "总览", ":material/dashboard:"),
        ("coverage.py", "报送情况", ":material/fact_check:"),
        ("ranking.py", "排名", ":material/leaderboard:"),
        ("lagging.py", "落后单位", ":material/warning:"),
        ("gradient.py", "层级传导", ":material/account_tree:"),
        ("trends.py", "趋势", ":material/trending_up:"),
        ("unit_detail.py", "单位详情", ":material/apartment:"),
    ],
    "数据": [
        ("upload.py", "上传周报", ":material/upload_file:"),
        ("imports.py", "导入记录", ":material/history:"),
        ("registry.py", "单位名册", ":material/groups:"),
    ],
    "输出与设置": [
        ("briefing.py", "简报", ":material/description:"),
        ("settings.py", "设置", ":material/settings:"),
    ],
}


def main() -> None:
    st.set_page_config(page_title="主题教育调度看板", page_icon="📊", layout="wide")
    state.ensure_ready()
    pages = {
        section: [
            st.Page(PAGES_DIR / file, title=title, icon=icon, default=(file == "overview.py"))
            for file, title, icon in entries
        ]
        for section, entries in NAVIGATION.items()
    }
    current = st.navigation(pages)
    state.render_sidebar()
    current.run()


main()
