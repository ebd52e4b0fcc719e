"""Cached calls into ``dashboard.core.report`` for the board pages.

Each cached function takes the database URL and the data version token, so a new upload,
an undo or a settings change refreshes every page, and a warm rerun recomputes nothing.
Results are small (one report week, aggregated trends, a few units' histories).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.core import metrics, report
from dashboard.core.report import WeekReport
from dashboard.store import db, repo
from dashboard.ui import state


def _inputs(url: str, token: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    del token  # part of the callers' cache keys
    engine = state.engine() if url == db.default_url() else db.connect(url)
    return repo.load_units(engine), repo.load_figures(engine), repo.get_settings(engine)


@st.cache_data(show_spinner="正在计算本周数据…", max_entries=32)
def _week(
    url: str, token: str, report_date: dt.date | None, scope: str | None, by_category: bool
) -> WeekReport:
    units, figures, settings = _inputs(url, token)
    return report.build_report(units, figures, settings, report_date, scope, by_category)


@st.cache_data(show_spinner="正在计算趋势…", max_entries=16)
def _trends(
    url: str, token: str, report_date: dt.date | None, scope: str | None, by_category: bool
) -> pd.DataFrame:
    units, figures, settings = _inputs(url, token)
    hist = report.history(units, figures, settings, report_date, scope, by_category)
    return report.level_trends(hist)


@st.cache_data(show_spinner="正在读取单位历史…", max_entries=32)
def _units_history(
    url: str, token: str, report_date: dt.date | None, codes: tuple[str, ...], by_category: bool
) -> pd.DataFrame:
    units, figures, settings = _inputs(url, token)
    return report.history(
        units, figures, settings, report_date, by_category=by_category, unit_codes=list(codes)
    )


@st.cache_data(show_spinner="正在整理报送记录…", max_entries=16)
def _status_grid(
    url: str, token: str, report_date: dt.date | None, weeks: int, scope: str | None
) -> pd.DataFrame:
    units, figures, _ = _inputs(url, token)
    dates = metrics.report_dates(figures, report_date)[-weeks:]
    grid = metrics.status_grid(units, figures, dates)
    if scope is not None:
        from dashboard.core.units import UnitTree

        tree = UnitTree(metrics.expected_units(units))
        grid = grid[grid.index.isin(tree.subtree(scope))]
    return grid


def week_report(scope: str | None = None, by_category: bool = False) -> WeekReport | None:
    """The selected week's report for ``scope`` (None while nothing is stored)."""
    day = state.selected_report_date()
    if day is None:
        return None
    return _week(db.default_url(), state.version(), day, scope, by_category)


def level_trends(scope: str | None = None, by_category: bool = False) -> pd.DataFrame:
    day = state.selected_report_date()
    return _trends(db.default_url(), state.version(), day, scope, by_category)


def units_history(codes: list[str], by_category: bool = False) -> pd.DataFrame:
    day = state.selected_report_date()
    return _units_history(db.default_url(), state.version(), day, tuple(codes), by_category)


def status_grid(weeks: int, scope: str | None = None) -> pd.DataFrame:
    day = state.selected_report_date()
    return _status_grid(db.default_url(), state.version(), day, weeks, scope)
