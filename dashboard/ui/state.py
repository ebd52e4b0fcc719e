"""Shared Streamlit state: the engine, cached loaders and the sidebar's week picker.

This and the other modules in ``dashboard.ui`` are the only code besides the page scripts
that imports streamlit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from dashboard import door
from dashboard.core.units import UnitTree
from dashboard.store import db, repo
from dashboard.ui.text import plain

REPORT_DATE_KEY = "report_date"


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return db.connect(url)


def engine() -> Engine:
    """The app's engine (one per database URL, shared by all sessions)."""
    return _engine_for(db.default_url())


def version() -> str:
    """The data version token; pass it to cached loaders."""
    return repo.data_version(engine())


@st.cache_data(show_spinner=False, max_entries=8)
def _settings(url: str, token: str) -> dict[str, Any]:
    return repo.get_settings(_engine_for(url))


@st.cache_data(show_spinner=False, max_entries=8)
def _units(url: str, token: str, include_retired: bool) -> pd.DataFrame:
    return repo.load_units(_engine_for(url), include_retired=include_retired)


@st.cache_data(show_spinner=False, max_entries=8)
def _scopes(url: str, token: str) -> list[tuple[str, str]]:
    frame = _units(url, token, False)  # the registry already loaded for the page
    names = dict(zip(frame["code"].astype(str), frame["name"], strict=True))
    return [
        (code, "\u3000" * (level - 2) + names[code])  # indented by depth: 县 / 　镇
        for code, level in UnitTree(frame).scope_choices()
    ]


@st.cache_data(show_spinner=False, max_entries=8)
def _report_dates(url: str, token: str) -> list[dt.date]:
    return door.report_days(_engine_for(url))  # repo.report_dates, index-walked


def settings() -> dict[str, Any]:
    return _settings(db.default_url(), version())


def units(include_retired: bool = False) -> pd.DataFrame:
    return _units(db.default_url(), version(), include_retired)


def scopes() -> list[tuple[str, str]]:
    """(code, label) of the subtrees a page can be limited to, in tree order, labels
    indented by depth (counties and departments, then their townships). A signed-in user
    with a scope is offered the subtrees inside it only."""
    choices = _scopes(db.default_url(), version())
    viewer = st.session_state.get("viewer")
    if viewer is not None and viewer.scope_code:
        allowed = set(UnitTree(units()).subtree(viewer.scope_code))
        choices = [(code, label) for code, label in choices if code in allowed]
    return choices


def report_dates() -> list[dt.date]:
    return _report_dates(db.default_url(), version())


def clear_caches() -> None:
    st.cache_data.clear()


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


@st.cache_resource(show_spinner="首次启动：正在准备数据库与演示数据…")
def _ready(url: str) -> bool:
    from dashboard import bootstrap
    from dashboard.ingest import sandbox

    bootstrap.ensure_database(_engine_for(url))
    sandbox.warm()  # the first upload need not wait for a reader process to start
    return True


def ensure_ready() -> None:
    """Create the schema and, on an empty database, load the demo city (once per process)."""
    _ready(db.default_url())
