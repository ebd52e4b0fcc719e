"""Shared Streamlit state: the open database, cached loaders, the sidebar's week picker and
the demo banner.

A session works on the office's own database unless it opened the demo, which lives in a
database of its own (``dashboard.bootstrap.demo_url``); every loader reads ``url()``.

This and the other modules in ``dashboard.ui`` are the only code besides the page scripts
that imports streamlit.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, cast

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import bootstrap, door
from dashboard.core.settings import Settings
from dashboard.core.units import UnitTree
from dashboard.store import db, repo
from dashboard.ui import freshness
from dashboard.ui.text import plain

__all__ = [
    "DEMO_KEY",
    "FRESHNESS",
    "MAX_SHARED",
    "REPORT_DATE_KEY",
    "START_PAGE",
    "clear_caches",
    "close_demo",
    "demo_open",
    "engine",
    "ensure_ready",
    "has_units",
    "office_engine",
    "open_demo",
    "per_run",
    "render_demo_banner",
    "registry_version",
    "render_sidebar",
    "report_dates",
    "scopes",
    "selected_report_date",
    "settings",
    "shared_settings",
    "shared_units",
    "showing_demo_data",
    "typed_settings",
    "units",
    "url",
    "version",
    "week_served",
    "week_version",
]

REPORT_DATE_KEY = "report_date"
DEMO_KEY = "open_demo"
START_PAGE = "app_pages/start.py"  # True while this session looks at the demo city


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return db.connect(url)


def demo_open() -> bool:
    """Whether this session opened the demo (its own database, never the office's)."""
    return bool(st.session_state.get(DEMO_KEY))


def url() -> str:
    """The database this session works on: the demo's while it is open, else the office's."""
    return bootstrap.demo_url() if demo_open() else bootstrap.office_url()


def engine() -> Engine:
    """The engine of the open database (one per URL, shared by all sessions; looked up once
    per script run)."""
    key = url()
    return cast(Engine, per_run(("engine", key), lambda: _engine_for(key)))


def office_engine() -> Engine:
    """The office's own database, whatever this session looks at: accounts, sessions and the
    audit log live there, never in the demo's."""
    return _engine_for(bootstrap.office_url())


_RUN_VERSIONS: weakref.WeakKeyDictionary[object, dict[Hashable, Any]] = weakref.WeakKeyDictionary()


def _this_run() -> object | None:
    """An object that lives exactly as long as this script run (Streamlit makes a new
    coordinator for every run), or None outside a run."""
    ctx = get_script_run_ctx()
    return getattr(ctx, "parallel_coordinator", None) if ctx is not None else None


def version() -> str:
    """The data version token; pass it to cached loaders.

    Read from the database once per script run (a page asks a dozen times): a change made
    by another session, replica or the CLI shows on the next rerun.
    """
    return _version_parts().token


def registry_version() -> str:
    """The part of the data version the registry and the settings are read by: imports and
    submissions leave it (and what is made from them: scopes, filter choices) as it was."""
    return _version_parts().registry


def _version_parts() -> repo.DataVersion:
    key = url()
    return cast(repo.DataVersion, per_run(key, lambda: repo.data_version_parts(engine())))


def week_version(day: dt.date | None) -> str:
    """The data version as a report of week ``day`` sees it (the registry, the settings and
    the weeks up to ``day``): writes of later weeks leave it, and that week's cached pages,
    as they were. Read once per script run and week; the whole version when ``day`` is None.
    Under a freshness bound (``ui/freshness.py``) it may be the week's version of up to that
    many seconds ago."""
    if day is None:
        return version()
    return week_served(day).token


FRESHNESS = freshness.Freshness()


def week_served(day: dt.date) -> freshness.Served:
    """The version week ``day``'s pages are computed at in this run, and how far it is
    behind the newest (``freshness.Served``)."""
    registry = _version_parts().registry
    key = url()

    def read() -> freshness.Served:
        newest = repo.week_version(engine(), day, registry)
        return FRESHNESS.serve((key, day), newest, freshness.seconds_from_env(), registry)

    return cast(freshness.Served, per_run(("week", key, day), read))


def per_run(key: Hashable, make: Callable[[], Any]) -> Any:
    """``make()`` once per script run for ``key`` (every call outside a run makes it): for
    what a page asks many times and cannot change within a run."""
    run = _this_run()
    if run is None:
        return make()
    try:
        memo = _RUN_VERSIONS.setdefault(run, {})
    except TypeError:  # not weak-referenceable: no memo
        return make()
    if key not in memo:
        memo[key] = make()
    return memo[key]


MAX_SHARED = 32
_SHARED: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_SHARED_LOCK = threading.Lock()


def _shared(key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    """One object per process for ``key`` (which holds the data version), shared by every
    session: ``st.cache_data`` would unpickle a new copy of the registry on every call, a
    dozen times a page. Callers get copies (``settings``, ``units`` …) or only read."""
    with _SHARED_LOCK:
        if key in _SHARED:
            _SHARED.move_to_end(key)
            return _SHARED[key]
    value = make()
    with _SHARED_LOCK:
        _SHARED[key] = value
        while len(_SHARED) > MAX_SHARED:
            _SHARED.popitem(last=False)
    return value


def shared_settings(url: str, token: str) -> dict[str, Any]:
    return _shared(("settings", url, token), lambda: repo.get_settings(_engine_for(url)))


def shared_units(url: str, token: str, include_retired: bool) -> pd.DataFrame:
    return _shared(
        ("units", url, token, include_retired),
        lambda: repo.load_units(_engine_for(url), include_retired=include_retired),
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _scopes(url: str, token: str) -> list[tuple[str, str]]:
    frame = shared_units(url, token, False)  # the registry already loaded for the page
    names = dict(zip(frame["code"].astype(str), frame["name"], strict=True))
    return [
        (code, "\u3000" * (level - 2) + names[code])  # indented by depth: 县 / 　镇
        for code, level in UnitTree(frame).scope_choices()
    ]


def _report_dates(url: str, token: str) -> list[dt.date]:
    # repo.report_dates, index-walked
    return _shared(("dates", url, token), lambda: door.report_days(_engine_for(url)))


def settings() -> dict[str, Any]:
    """The campaign's settings (a copy: change it freely)."""
    return copy.deepcopy(shared_settings(url(), registry_version()))


def typed_settings() -> Settings:
    """The campaign's settings as the typed, read-only object the judgments take (one per
    process and data version, shared: nothing changes it)."""
    key, token = url(), registry_version()
    return cast(
        Settings,
        _shared(
            ("typed", key, token), lambda: Settings(copy.deepcopy(shared_settings(key, token)))
        ),
    )


def units(include_retired: bool = False) -> pd.DataFrame:
    """The registry (a shallow copy of the shared frame: with pandas' copy-on-write a change
    to it never reaches the shared one)."""
    return shared_units(url(), registry_version(), include_retired).copy(deep=False)


def scopes() -> list[tuple[str, str]]:
    """(code, label) of the subtrees a page can be limited to, in tree order, labels
    indented by depth (counties and departments, then their townships). A signed-in user
    with a scope is offered the subtrees inside it only."""
    viewer = st.session_state.get("viewer")
    within = viewer.scope_code if viewer is not None else None
    return _scopes_within(url(), registry_version(), within)


@st.cache_data(show_spinner=False, max_entries=32)
def _scopes_within(url: str, token: str, within: str | None) -> list[tuple[str, str]]:
    """The scope choices inside ``within`` (all when None), cached per scope: a liaison's
    rerun does not walk the tree again."""
    choices = _scopes(url, token)
    if within is None:
        return choices
    allowed = set(UnitTree(shared_units(url, token, False)).subtree(within))
    return [(code, label) for code, label in choices if code in allowed]


def report_dates() -> list[dt.date]:
    return list(_report_dates(url(), version()))


def clear_caches() -> None:
    st.cache_data.clear()
    with _SHARED_LOCK:
        _SHARED.clear()
    run = _this_run()
    if run is not None:
        _RUN_VERSIONS.pop(run, None)


def selected_report_date() -> dt.date | None:
    """The report week chosen in the sidebar (None while nothing is stored)."""
    value = st.session_state.get(REPORT_DATE_KEY)
    return value if isinstance(value, dt.date) else None


def render_sidebar() -> None:
    """Campaign name and the report-week picker, shown on every page."""
    values = settings()
    unit_frame = units()
    city = values.get("city_name") or (
        str(unit_frame.loc[unit_frame["level"] == 1, "name"].iloc[0])
        if (unit_frame["level"] == 1).any()
        else "（尚未导入单位名册）"
    )
    st.sidebar.markdown(f"### {plain(city)}")
    st.sidebar.caption(plain(values["campaign_name"]))
    st.sidebar.caption(f"{values['start_date']} 至 {values['end_date']}")
    if unit_frame.empty:
        if _may_open_start():
            st.sidebar.info("尚未导入单位名册：请到“开始使用”页按步骤建立活动，或先打开演示看看。")
            st.sidebar.page_link(START_PAGE, label="开始使用", icon=":material/rocket_launch:")
        else:
            st.sidebar.info("尚未导入单位名册：请联系管理员导入单位名册后再查看。")
        st.session_state[REPORT_DATE_KEY] = None
        return
    dates = report_dates()
    if not dates:
        st.sidebar.info("尚无周报数据，请先到“上传周报”页导入。")
        st.session_state[REPORT_DATE_KEY] = None
        return
    current = st.session_state.get(REPORT_DATE_KEY)
    if current not in dates:
        st.session_state[REPORT_DATE_KEY] = dates[-1]
    st.sidebar.selectbox(
        "报告周（统计截止日）",
        options=list(reversed(dates)),
        format_func=lambda d: f"{d:%Y年%m月%d日}",
        key=REPORT_DATE_KEY,
    )


@st.cache_resource(show_spinner="首次启动：正在准备数据库…")
def _ready(url: str) -> bool:
    from dashboard.ingest import sandbox

    bootstrap.ensure_database(_engine_for(url))
    sandbox.warm()  # the first upload need not wait for a reader process to start
    return True


@st.cache_resource(show_spinner="正在准备演示数据（虚构的青川市，首次约需半分钟）…")
def _demo_ready(url: str) -> bool:
    bootstrap.ensure_demo(_engine_for(url))
    return True


def ensure_ready() -> None:
    """Create or upgrade the open database's schema (once per process).  The office's
    database is never filled with the demo; the demo is loaded into its own database."""
    _ready(bootstrap.office_url())
    if demo_open():
        _demo_ready(bootstrap.demo_url())


def open_demo() -> str | None:
    """Switch this session to the demo database (loading the demo there if needed).

    Returns a Chinese message when the demo cannot be opened, else None.
    """
    from dashboard.demo import DemoLoadError

    try:
        _demo_ready(bootstrap.demo_url())
    except DemoLoadError as exc:
        return str(exc)
    st.session_state[DEMO_KEY] = True
    st.session_state.pop(REPORT_DATE_KEY, None)
    return None


def close_demo() -> None:
    """Back to the office's own campaign."""
    st.session_state[DEMO_KEY] = False
    st.session_state.pop(REPORT_DATE_KEY, None)


@st.cache_data(show_spinner=False, max_entries=8)
def _holds_demo(url: str, token: str) -> bool:
    return bootstrap.holds_demo(_engine_for(url))


def showing_demo_data() -> bool:
    """Whether the open database holds the demo city (opened as the demo, or an older
    install that loaded the demo into the office's own database)."""
    return demo_open() or _holds_demo(url(), version())


def has_units() -> bool:
    return not shared_units(url(), registry_version(), False).empty


def _may_open_start() -> bool:
    from dashboard.navigation import FIRST_START_PAGE, may_open

    viewer = st.session_state.get("viewer")
    return may_open(getattr(viewer, "role", None), FIRST_START_PAGE)


def render_demo_banner() -> None:
    """The banner every page shows while demo data is on screen, with the way back."""
    if demo_open():
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.warning(
            "**演示模式**：正在查看虚构的青川市演示数据，与本单位的数据分开保存；"
            "在此上传、修改或清空的内容只影响演示数据库。",
            icon=":material/science:",
        )
        if right.button("回到本单位的活动", key="demo_banner_close", type="primary"):
            close_demo()
            if units().empty and _may_open_start():  # back to the first-start choice
                st.switch_page(START_PAGE)
            st.rerun()
    elif showing_demo_data():
        st.warning(
            "**演示数据**：本数据库中是虚构的青川市演示数据（早期版本首次启动时自动载入）。"
            "要开始本单位的活动，请到“开始使用”页的“新建活动 / 清空数据”清空后再导入本单位的名册。",
            icon=":material/science:",
        )
