"""The app's pages as data: section → (file in app_pages/, title, icon)."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DEFAULT_PAGE",
    "FIRST_START_PAGE",
    "NAVIGATION",
    "PAGES_DIR",
    "READ_PAGES",
    "ROLE_PAGES",
    "may_open",
    "page_files",
    "pages_for",
    "url_path",
]

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
        ("fill.py", "在线填报", ":material/edit_note:"),
        ("review.py", "填报审核", ":material/rule:"),
        ("upload.py", "上传周报", ":material/upload_file:"),
        ("imports.py", "导入记录", ":material/history:"),
        ("registry.py", "单位名册", ":material/groups:"),
        ("remind.py", "催报", ":material/notifications_active:"),
    ],
    "输出与设置": [
        ("briefing.py", "简报", ":material/description:"),
        ("settings.py", "设置", ":material/settings:"),
        ("audit.py", "审计日志", ":material/policy:"),
    ],
}


def url_path(page_file: str) -> str:
    """The page's address under the board (``fill.py`` → ``fill``), as ``st.Page`` names it."""
    return Path(page_file).stem


def page_files() -> list[str]:
    return [file for entries in NAVIGATION.values() for file, _title, _icon in entries]


READ_PAGES = frozenset(
    (
        "overview.py",
        "coverage.py",
        "ranking.py",
        "lagging.py",
        "gradient.py",
        "trends.py",
        "unit_detail.py",
        "briefing.py",
    )
)
# What each role may open (admin: everything). A page left out is neither in the role's
# navigation nor reachable by its URL: st.navigation only routes the pages it is given.
ROLE_PAGES: dict[str, frozenset[str]] = {
    "admin": frozenset(page_files()),
    "office": READ_PAGES | {"upload.py", "imports.py", "remind.py", "fill.py", "review.py"},
    # 导入记录 lists every office's files (download, undo): not for a subtree's liaison;
    # 催报 shows a liaison its own subtree's pending units and reminders only;
    # 填报审核: a county liaison reviews its townships (its page shows only units below it).
    "liaison": READ_PAGES | {"upload.py", "remind.py", "fill.py", "review.py"},
    "viewer": READ_PAGES,
}


def pages_for(role: str | None) -> dict[str, list[tuple[str, str, str]]]:
    """The navigation a role sees (None: single-user local mode, every page)."""
    allowed = ROLE_PAGES.get(role or "admin", frozenset())
    shown = {
        section: [entry for entry in entries if entry[0] in allowed]
        for section, entries in NAVIGATION.items()
    }
    return {section: entries for section, entries in shown.items() if entries}


def may_open(role: str | None, page_file: str) -> bool:
    """Whether ``role`` (None: single-user local mode) may open ``page_file``."""
    return page_file in ROLE_PAGES.get(role or "admin", frozenset())
