"""The app's pages as data: section → (file in app_pages/, title, icon)."""

from __future__ import annotations

from pathlib import Path

PAGES_DIR = Path(__file__).parent / "app_pages"
DEFAULT_PAGE = "overview.py"
FIRST_START_PAGE = "start.py"  # the default page while the open database has no registry

NAVIGATION: dict[str, list[tuple[str, str, str]]] = {
    "开始": [
        ("start.py", "开始使用", ":material/rocket_launch:"),
    ],
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


def page_files() -> list[str]:
    return [file for entries in NAVIGATION.values() for file, _title, _icon in entries]
