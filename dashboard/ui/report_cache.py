"""Cached calls into ``dashboard.core.report`` for the board pages.

Each cached function takes the database URL, the week's data version (``state.week_version``:
the registry, the settings and every write dated up to the week) and the viewer (the
signed-in user's scope is part of every cache key: cached results never cross scopes), so a
new upload, an undo or a settings change refreshes the pages it touches, a write of a later
week leaves an earlier week's pages warm, and a warm rerun recomputes nothing.
Results are small (one report week, aggregated trends, a few units' histories).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from dashboard import door
from dashboard.core import report
from dashboard.core.report import WeekReport
from dashboard.core.settings import Settings
from dashboard.store import db, repo
from dashboard.ui import filters as filters_mod
from dashboard.ui import freshness, session, state
from dashboard.ui.kept import Kept

__all__ = [
    "GLYPHS",
    "HISTORY_WEEKS",
    "SHARED",
    "shared",
    "SHARED_BUDGET_ROWS",
    "VIEWS",
    "VIEW_BUDGET_UNITS",
    "MAX_VIEW_PARTS",
    "VIEW_PARTS",
    "WEEK_CHOICES",
    "filtered_week",
    "indicator_trends",
    "level_trends",
    "scope_units",
    "status_grid",
    "units_history",
    "view_part",
    "view_token",
    "week_report",
]

T = TypeVar("T")

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
    return door.figure_window(_engine(url), report_date, weeks)


def _registry_and_settings(url: str) -> tuple[pd.DataFrame, Settings]:
    if url == state.url():  # the sidebar has loaded these already in this run
        return state.units(), state.typed_settings()
    engine = _engine(url)
    return repo.load_units(engine), Settings(repo.get_settings(engine))


def _inputs(
    url: str,
    token: str,
    report_date: dt.date | None,
    weeks: int | None,
    viewer: door.Viewer | None = None,
) -> door.Inputs:
    """What the door needs, from this run's cached registry, settings and window, as
    ``viewer`` may see it: a scoped viewer's cut (``door.visible``) is made once per process,
    week and data version, and the door does not cut it again."""
    units, settings = _registry_and_settings(url)
    window = _window(url, token, report_date, door.window_weeks(settings, weeks))
    data = door.inputs(
        _engine(url), report_date, weeks, units=units, settings=settings, window=window
    )
    seen = _seen(viewer)
    if seen is None:
        return data
    key = ("inputs", url, token, report_date, door.window_weeks(settings, weeks), seen)
    return shared(key, lambda: door.visible(data, viewer))


SHARED_BUDGET_ROWS = 500_000
"""Heat-panel rows the city-wide computations kept by one process may hold in all (about
0.65 KB each: the demo city's week is 3,120 rows, 3.3 MB; its 8-week history 12,480 rows,
8 MB). Each viewer's subtree has its own, so the count of 8 kept before thrashed as soon as
five people with different scopes read the board at once."""
SharedKey = tuple[Hashable, ...]
SHARED: Kept[Any] = Kept(SHARED_BUDGET_ROWS, lambda made: len(getattr(made, "panel", ())))
_MAKING_LOCK = threading.Lock()
_MAKING: dict[SharedKey, threading.Lock] = {}


def shared(key: SharedKey, make: Callable[[], T]) -> T:
    """``make()`` once per process for ``key`` = (kind, url, token, week, …): the object itself is
    kept (no copy per session: it is only read), one session makes it while the others
    asking for it wait, and a new data version of the database drops the older ones."""
    with _MAKING_LOCK:
        making = _MAKING.setdefault(key, threading.Lock())
    with making:
        held = SHARED.get(key)
        if held is not None:
            return cast(T, held)
        try:
            made = make()
            # an older version of the same database (and week): nobody cuts from it again
            SHARED.drop(lambda k: _outdated(k, key))
            SHARED.put(key, made)
        finally:
            with _MAKING_LOCK:
                _MAKING.pop(key, None)
    return made


def _outdated(held: Hashable, key: SharedKey) -> bool:
    """Whether ``held`` is outdated by ``key`` = (kind, url, token, week, …): kept for the
    same database under another registry or settings (every week's token starts with that
    part, ``state.week_version``), or for the same week under another version. The other
    weeks' computations stay: each week has its own version."""
    if not (isinstance(held, tuple) and len(held) > 3 and held[1] == key[1]):
        return False
    if held[3] == key[3]:
        return bool(held[2] != key[2])
    return repo.registry_of(str(held[2])) != repo.registry_of(str(key[2]))


def _seen(viewer: door.Viewer | None) -> str | None:
    """What of the viewer a city-wide computation depends on: the subtree they may see."""
    return viewer.scope_code if viewer is not None else None


def _city(
    url: str,
    token: str,
    report_date: dt.date | None,
    by_category: bool,
    weeks: int | None,
    history_codes: tuple[str, ...] | None,
    viewer: door.Viewer | None,
) -> report.CityWeek:
    """The week's city-wide computation (heat, ranks, flags of every unit the viewer may
    see), once per process, week and data version: a filter change to a subtree nobody
    opened yet only cuts it."""
    key = ("week", url, token, report_date, by_category, weeks, history_codes, _seen(viewer))
    return shared(
        key,
        lambda: door.city_week(
            _engine(url),
            report_date,
            by_category=by_category,
            weeks=weeks,
            history_codes=history_codes,
            given=_inputs(url, token, report_date, weeks, viewer),
            checked=True,
            viewer=viewer,
        ),
    )


def _city_history(
    url: str,
    token: str,
    report_date: dt.date | None,
    by_category: bool,
    weeks: int | None,
    with_heat: bool,
    viewer: door.Viewer | None,
) -> report.CityHistory:
    """Every visible unit's heat panel over the trend weeks, once per process, week and
    data version (the trend lines of each subtree are cut from it)."""
    key = ("history", url, token, report_date, by_category, weeks, with_heat, _seen(viewer))
    return shared(
        key,
        lambda: door.city_history(
            _engine(url),
            report_date,
            by_category=by_category,
            weeks=weeks,
            with_heat=with_heat,
            given=_inputs(url, token, report_date, weeks, viewer),
            viewer=viewer,
        ),
    )


def _cut_week(
    url: str,
    token: str,
    report_date: dt.date | None,
    scope: str | None,
    by_category: bool,
    weeks: int | None,
    history_codes: tuple[str, ...] | None = None,
    viewer: door.Viewer | None = None,
) -> WeekReport:
    given = _inputs(url, token, report_date, weeks, viewer)
    return door.week_report(
        _engine(url),
        report_date,
        scope,
        by_category=by_category,
        weeks=weeks,
        history_codes=history_codes,
        given=given,
        checked=True,  # the sidebar offers stored weeks and registry scopes only
        viewer=viewer,
        city=_city(url, token, report_date, by_category, weeks, history_codes, viewer),
    )


_week = st.cache_data(show_spinner="正在计算本周数据…", max_entries=32)(_cut_week)


@st.cache_data(show_spinner="正在计算趋势…", max_entries=128)
def _trends(
    url: str,
    token: str,
    report_date: dt.date | None,
    scope: str | None,
    by_category: bool,
    weeks: int | None,
    with_heat: bool = True,
    viewer: door.Viewer | None = None,
) -> pd.DataFrame:
    given = _inputs(url, token, report_date, weeks, viewer)
    return door.level_trends(
        _engine(url),
        report_date,
        scope,
        by_category=by_category,
        weeks=weeks,
        with_heat=with_heat,
        given=given,
        viewer=viewer,
        city=_city_history(url, token, report_date, by_category, weeks, with_heat, viewer),
    )


@st.cache_data(show_spinner="正在计算趋势…", max_entries=128)
def _indicator_trends(
    url: str,
    token: str,
    report_date: dt.date | None,
    scope: str | None,
    weeks: int | None,
    indicators: tuple[str, ...],
    viewer: door.Viewer | None = None,
) -> pd.DataFrame:
    units, settings = _registry_and_settings(url)
    key = ("indicators", url, token, report_date, weeks, indicators, _seen(viewer))
    city = shared(
        key,
        lambda: door.city_indicators(
            _engine(url), report_date, indicators, weeks=weeks, units=units, viewer=viewer
        ),
    )
    return door.indicator_trends(
        _engine(url),
        report_date,
        scope,
        indicators,
        weeks=weeks,
        units=units,
        settings=settings,
        viewer=viewer,
        city=city,
    )


@st.cache_data(show_spinner="正在读取单位历史…", max_entries=32)
def _units_history(
    url: str,
    token: str,
    report_date: dt.date | None,
    codes: tuple[str, ...],
    by_category: bool,
    weeks: int | None,
    viewer: door.Viewer | None = None,
) -> pd.DataFrame:
    given = _inputs(url, token, report_date, weeks, viewer)
    return door.units_history(
        _engine(url),
        report_date,
        codes,
        by_category=by_category,
        weeks=weeks,
        given=given,
        viewer=viewer,
    )


@st.cache_data(show_spinner="正在整理报送记录…", max_entries=16)
def _status_grid(
    url: str,
    token: str,
    report_date: dt.date | None,
    weeks: int,
    scope: str | None,
    viewer: door.Viewer | None = None,
) -> pd.DataFrame:
    given = _inputs(url, token, report_date, weeks, viewer)
    key = ("status", url, token, report_date, weeks, _seen(viewer))
    city = shared(
        key,
        lambda: door.city_status_grid(_engine(url), report_date, weeks, given=given, viewer=viewer),
    )
    grid = door.status_grid(
        _engine(url), report_date, weeks, scope, given=given, viewer=viewer, city=city
    )
    shown = grid.replace(GLYPHS)
    shown.columns = [f"{d:%m-%d}" for d in grid.columns]
    names = given.units.set_index("code")["name"]
    shown.insert(0, "单位名称", grid.index.map(names))
    shown = shown.reset_index().rename(columns={"unit_code": "单位编码"})
    shown["has_gap"] = (grid == "未报").any(axis=1).to_numpy()
    return shown


@st.cache_data(show_spinner=False, max_entries=128)
def _scope_units(
    url: str, token: str, scope: str | None, viewer: door.Viewer | None = None
) -> pd.DataFrame:
    units, _ = _registry_and_settings(url)
    return door.scope_units(_engine(url), scope, units=units, viewer=viewer)


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
    return _week(*_this_week(), scope, by_category, weeks, codes, session.viewer())


def level_trends(
    scope: str | None = None,
    by_category: bool = False,
    weeks: int | None = HISTORY_WEEKS,
    with_heat: bool = True,
) -> pd.DataFrame:
    """Per week × level aggregates over the last ``weeks`` report weeks (None = all);
    ``with_heat=False`` leaves out mean_heat (and its cost)."""
    return _trends(
        *_this_week(),
        scope,
        by_category,
        weeks,
        with_heat,
        session.viewer(),
    )


def indicator_trends(
    indicators: list[str], scope: str | None = None, weeks: int | None = HISTORY_WEEKS
) -> pd.DataFrame:
    """Per week × level Σ carried values of a few indicators (reads only those figures)."""
    return _indicator_trends(*_this_week(), scope, weeks, tuple(indicators), session.viewer())


def units_history(
    codes: list[str], by_category: bool = False, weeks: int | None = HISTORY_WEEKS
) -> pd.DataFrame:
    return _units_history(*_this_week(), tuple(codes), by_category, weeks, session.viewer())


GLYPHS = {"已报": "✔ 已报", "零报告": "0 零报告", "未报": "✘ 未报"}


def status_grid(weeks: int, scope: str | None = None) -> pd.DataFrame:
    """Unit × week 报送 grid, display-ready: 单位编码, 单位名称, one column per week (MM-DD)
    holding ✔ 已报 / 0 零报告 / ✘ 未报, and has_gap (some week not reported)."""
    return _status_grid(*_this_week(), weeks, scope, session.viewer())


def scope_units(scope: str | None = None) -> pd.DataFrame:
    """code, name, level, category, parent_code of the units in ``scope`` (registry order)."""
    return _scope_units(state.url(), state.registry_version(), scope, session.viewer())


VIEW_BUDGET_UNITS = 250_000
"""Unit rows the kept views of one process may hold in all (about 0.7 KB each: the demo
city's report, 1,560 units, is 1.1 MB): a view costs the units of its report and of its
narrowed view. The count of 64 kept before thrashed under the load driver (fifty people
switching among subtrees) and every miss recomputed a report."""
VIEWS: Kept[tuple[WeekReport, WeekReport]] = Kept(
    VIEW_BUDGET_UNITS, lambda made: len(made[0].units) + len(made[1].units)
)


def _this_week() -> tuple[str, str, dt.date | None]:
    """(database URL, the week's data version, the week) of the week picked in the sidebar:
    what every week-based cache is keyed by."""
    day = state.selected_report_date()
    return state.url(), state.week_version(day), day


def view_token(chosen: filters_mod.Filters) -> Hashable:
    """Everything a board page's report and narrowed view depend on: the database, the
    week's data version, the week, the filters and the viewer (so a cached figure or view
    never crosses scopes, and a new upload, undo or settings change that touches the week
    makes new ones)."""
    return (*_this_week(), chosen, session.viewer())


MAX_VIEW_PARTS = 256
VIEW_PARTS: Kept[Any] = Kept(MAX_VIEW_PARTS, lambda _made: 1)  # bounded by count


def view_part(token: Hashable, name: str, make: Callable[[], T]) -> T:
    """``make()`` once per process for a board view (``view_token``) and ``name``: what a
    page derives from the view and draws the same on every rerun (a list, a text). Shared:
    callers only read it."""
    key = (token, name)
    held = VIEW_PARTS.get(key)
    if held is not None:
        return cast(T, held)
    made = make()
    VIEW_PARTS.put(key, made)
    return made


def filtered_week(chosen: filters_mod.Filters) -> tuple[WeekReport, WeekReport]:
    """The board pages' common start: the week's report for the chosen scope, and the same
    report narrowed to the chosen level and category.

    Kept per process by ``view_token`` and shared by the sessions that ask for the same
    (``st.cache_data`` would unpickle a fresh copy on every rerun): pages only read them.
    """
    token = view_token(chosen)
    day = state.selected_report_date()
    if day is not None:
        _say_how_fresh(day)
    hit = VIEWS.get(token)
    if hit is not None:
        return hit
    if day is None:  # pages call filters.no_data() first
        st.stop()
    # cut from the shared week directly: kept here, a pickled copy in st.cache_data would
    # only cost its pickling
    week = _cut_week(
        state.url(),
        state.week_version(day),
        day,
        chosen.scope,
        chosen.by_category,
        0,
        None,
        session.viewer(),
    )
    made = (week, report.narrow(week, chosen.apply(week.units), state.typed_settings()))
    VIEWS.put(token, made)
    return made


def _say_how_fresh(day: dt.date) -> None:
    """Under a freshness bound, a page of a week with newer writes says so (once a run)."""
    served = state.week_served(day)
    said: set[str] = state.per_run(("fresh-note", day), set)
    if served.behind_seconds is None or "said" in said:
        return
    said.add("said")
    bound = freshness.seconds_from_env()
    left = max(1, math.ceil(bound - served.behind_seconds))
    st.caption(
        f"本周有新提交的数字正在汇总，约 {left} 秒内显示；"
        f"本页数字汇总于 {served.behind_seconds:.0f} 秒前。"
    )
