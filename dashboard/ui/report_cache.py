"""Cached calls into ``dashboard.core.report`` for the board pages.

Each cached function takes the database URL and the data version token, so a new upload,
an undo or a settings change refreshes every page, and a warm rerun recomputes nothing.
Results are small (one report week, aggregated trends, a few units' histories).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from dashboard.core import metrics, report
from dashboard.core.report import WeekReport
from dashboard.store import db, repo, report_inputs
from dashboard.ui import filters as filters_mod
from dashboard.ui import state

HISTORY_WEEKS = 8  # trends and unit histories show the last 8 weeks unless asked for more
WEEK_CHOICES: dict[str, int | None] = {
    "近4周": 4,
    "近8周": 8,
    "近12周": 12,
    "近26周": 26,
    "全部": None,
}


def _engine(url: str) -> Engine:
    return state.engine() if url == state.url() else db.connect(url)


@st.cache_data(show_spinner="正在读取周报数据…", max_entries=8)
def _window(
    url: str, token: str, report_date: dt.date | None, weeks: int | None
) -> tuple[pd.DataFrame, list[dt.date]]:
    """The figures of the last ``weeks`` report weeks plus starting values (shared by the
    week report, the status grid and histories that ask for the same span)."""
    del token
    return report_inputs.load_window(_engine(url), report_date, weeks)


def _inputs(
    url: str, token: str, report_date: dt.date | None, weeks: int | None
) -> tuple[pd.DataFrame, pd.DataFrame, dict, list[dt.date]]:
    """Registry, the figures of the last ``weeks`` report weeks (0 = what a week's report
    needs), settings and the report days up to ``report_date``."""
    if url == state.url():  # the sidebar has loaded these already in this run
        settings, units = state.settings(), state.units()
    else:
        engine = _engine(url)
        settings, units = repo.get_settings(engine), repo.load_units(engine)
    if weeks == 0:
        weeks = report.window_size(settings)
    elif weeks is not None:
        weeks = max(weeks, report.window_size(settings))
    figures, days = _window(url, token, report_date, weeks)
    return units, figures, settings, days


@st.cache_data(show_spinner="正在计算本周数据…", max_entries=32)
def _week(
    url: str,
    token: str,
    report_date: dt.date | None,
    scope: str | None,
    by_category: bool,
    weeks: int | None,
    history_codes: tuple[str, ...] | None = None,
) -> WeekReport:
    units, figures, settings, days = _inputs(url, token, report_date, weeks)
    return report.build_report(
        units,
        figures,
        settings,
        report_date,
        scope,
        by_category,
        all_dates=days,
        history_codes=list(history_codes) if history_codes is not None else None,
        history_weeks=weeks or None,
    )


@st.cache_data(show_spinner="正在计算趋势…", max_entries=16)
def _trends(
    url: str,
    token: str,
    report_date: dt.date | None,
    scope: str | None,
    by_category: bool,
    weeks: int | None,
    with_heat: bool = True,
) -> pd.DataFrame:
    units, figures, settings, days = _inputs(url, token, report_date, weeks)
    hist = report.history(
        units,
        figures,
        settings,
        report_date,
        scope,
        by_category,
        weeks=weeks,
        all_dates=days,
        with_heat=with_heat,
    )
    return report.level_trends(hist)


@st.cache_data(show_spinner="正在计算趋势…", max_entries=16)
def _indicator_trends(
    url: str,
    token: str,
    report_date: dt.date | None,
    scope: str | None,
    weeks: int | None,
    indicators: tuple[str, ...],
) -> pd.DataFrame:
    del token
    if url == state.url():
        settings, units = state.settings(), state.units()
    else:
        engine = _engine(url)
        settings, units = repo.get_settings(engine), repo.load_units(engine)
    figures, days = report_inputs.load_window(_engine(url), report_date, weeks, list(indicators))
    return report.indicator_trends(
        units, figures, settings, list(indicators), report_date, scope, weeks, days
    )


@st.cache_data(show_spinner="正在读取单位历史…", max_entries=32)
def _units_history(
    url: str,
    token: str,
    report_date: dt.date | None,
    codes: tuple[str, ...],
    by_category: bool,
    weeks: int | None,
) -> pd.DataFrame:
    units, figures, settings, days = _inputs(url, token, report_date, weeks)
    return report.history(
        units,
        figures,
        settings,
        report_date,
        by_category=by_category,
        unit_codes=list(codes),
        weeks=weeks,
        all_dates=days,
    )


@st.cache_data(show_spinner="正在整理报送记录…", max_entries=16)
def _status_grid(
    url: str, token: str, report_date: dt.date | None, weeks: int, scope: str | None
) -> pd.DataFrame:
    units, figures, _, days = _inputs(url, token, report_date, weeks)
    grid = metrics.status_grid(units, figures, days[-weeks:])
    if scope is not None:
        grid = grid[grid.index.isin(_subtree_codes(units, scope))]
    shown = grid.replace(GLYPHS)
    shown.columns = [f"{d:%m-%d}" for d in grid.columns]
    names = units.set_index("code")["name"]
    shown.insert(0, "单位名称", grid.index.map(names))
    shown = shown.reset_index().rename(columns={"unit_code": "单位编码"})
    shown["has_gap"] = (grid == "未报").any(axis=1).to_numpy()
    return shown


def _subtree_codes(units: pd.DataFrame, scope: str) -> list[str]:
    from dashboard.core.units import UnitTree

    return UnitTree(metrics.expected_units(units)).subtree(scope)


@st.cache_data(show_spinner=False, max_entries=16)
def _scope_units(url: str, token: str, scope: str | None) -> pd.DataFrame:
    units = state.units() if url == state.url() else repo.load_units(_engine(url))
    units = units[["code", "name", "level", "category", "parent_code"]]
    if scope is not None:
        units = units[units["code"].isin(_subtree_codes(units.assign(retired=False), scope))]
    return units.reset_index(drop=True)


def week_report(
    scope: str | None = None,
    by_category: bool = False,
    weeks: int | None = 0,
    history_codes: list[str] | None = None,
) -> WeekReport | None:
    """The selected week's report for ``scope`` (None while nothing is stored).

    With ``history_codes`` the report also carries those units' last ``weeks`` report weeks
    (None = all) in ``.history``, computed in the same pass.
    """
    day = state.selected_report_date()
    if day is None:
        return None
    codes = tuple(history_codes) if history_codes is not None else None
    return _week(state.url(), state.version(), day, scope, by_category, weeks, codes)


def level_trends(
    scope: str | None = None,
    by_category: bool = False,
    weeks: int | None = HISTORY_WEEKS,
    with_heat: bool = True,
) -> pd.DataFrame:
    """Per week × level aggregates over the last ``weeks`` report weeks (None = all);
    ``with_heat=False`` leaves out mean_heat (and its cost)."""
    day = state.selected_report_date()
    return _trends(state.url(), state.version(), day, scope, by_category, weeks, with_heat)


def indicator_trends(
    indicators: list[str], scope: str | None = None, weeks: int | None = HISTORY_WEEKS
) -> pd.DataFrame:
    """Per week × level Σ carried values of a few indicators (reads only those figures)."""
    day = state.selected_report_date()
    return _indicator_trends(state.url(), state.version(), day, scope, weeks, tuple(indicators))


def units_history(
    codes: list[str], by_category: bool = False, weeks: int | None = HISTORY_WEEKS
) -> pd.DataFrame:
    day = state.selected_report_date()
    return _units_history(state.url(), state.version(), day, tuple(codes), by_category, weeks)


GLYPHS = {"已报": "✔ 已报", "零报告": "0 零报告", "未报": "✘ 未报"}


def status_grid(weeks: int, scope: str | None = None) -> pd.DataFrame:
    """Unit × week 报送 grid, display-ready: 单位编码, 单位名称, one column per week (MM-DD)
    holding ✔ 已报 / 0 零报告 / ✘ 未报, and has_gap (some week not reported)."""
    day = state.selected_report_date()
    return _status_grid(state.url(), state.version(), day, weeks, scope)


def scope_units(scope: str | None = None) -> pd.DataFrame:
    """code, name, level, category, parent_code of the units in ``scope`` (registry order)."""
    return _scope_units(state.url(), state.version(), scope)


def filtered_week(chosen: filters_mod.Filters) -> tuple[WeekReport, WeekReport]:
    """The board pages' common start: the week's report for the chosen scope, and the same
    report narrowed to the chosen level and category."""
    week = week_report(chosen.scope, chosen.by_category)
    if week is None:  # pages call filters.no_data() first
        st.stop()
    assert week is not None
    return week, report.narrow(week, chosen.apply(week.units), state.settings())
