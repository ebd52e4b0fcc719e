"""The one door to the figures: every page, CLI command and export obtains a week's report,
trends, unit histories and the status grid here, given the engine, the week and the scope.

It loads what a report needs (registry, settings, report days and the window of figures the
report reads) and calls ``dashboard.core.report``. Unknown weeks, unknown scopes and an empty
registry are one exception, ``DoorError``, with one set of Chinese messages. The pages cache
these calls (``ui/report_cache``); the CLI and the exports call them directly. This is where
the viewer's scope will be enforced once users exist: nothing else reads figures for display.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from dashboard.core import metrics, report
from dashboard.core.report import WeekReport
from dashboard.core.settings import Settings
from dashboard.core.units import UnitTree
from dashboard.entry import entries
from dashboard.entry import rules as entry_rules
from dashboard.entry import sheet as entry_views
from dashboard.entry import status as entry_status
from dashboard.entry import tasks as entry_tasks
from dashboard.entry.status import TaskInfo
from dashboard.store import repo, report_inputs

__all__ = [
    "DoorError",
    "Inputs",
    "Viewer",
    "scope_for",
    "visible",
    "check_entries",
    "check_request",
    "city_history",
    "city_indicators",
    "city_status_grid",
    "city_week",
    "entry_actor",
    "entry_review",
    "entry_sheet",
    "fill_task",
    "fill_task_dates",
    "may_manage_tasks",
    "open_fill_task",
    "update_fill_task",
    "timeliness",
    "indicator_trends",
    "inputs",
    "level_trends",
    "report_days",
    "not_submitted",
    "scope_units",
    "status_grid",
    "units_history",
    "week_report",
    "WeekReport",
    "figure_window",
    "window_weeks",
]


class DoorError(Exception):
    """A request the figures cannot answer; the message says in Chinese what to do."""


def _empty_registry() -> DoorError:
    return DoorError("单位名册为空：请先在“单位名册”页导入单位名册（命令行：registry import 文件）")


def _no_data() -> DoorError:
    return DoorError("尚无周报数据：请先在“上传周报”页导入周报（命令行：import 文件）")


def _unknown_week(day: dt.date, known: Sequence[dt.date]) -> DoorError:
    listed = "、".join(d.isoformat() for d in known[-8:]) or "（尚无数据）"
    return DoorError(f"{day.isoformat()} 没有周报数据。请选择已导入的报告周，最近的有：{listed}")


def _unknown_scope(scope: str) -> DoorError:
    return DoorError(
        f"单位名册中没有编码为“{scope}”的单位：该编码不在单位名册中，请核对单位编码（注意前导零）"
    )


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a signed-in user's name, role and the subtree they may see (None: all
    units). No viewer (single-user local mode, the CLI) sees everything."""

    name: str
    role: str
    scope_code: str | None = None


def _outside_scope(scope: str, viewer: Viewer) -> DoorError:
    return DoorError(f"您的账号只能查看“{viewer.scope_code}”及其下级单位，“{scope}”不在此范围内")


def visible(data: Inputs, viewer: Viewer | None) -> Inputs:
    """What ``viewer`` may see of ``data``: a scoped viewer's subtree alone, so rankings,
    peer pools and every table are computed inside it and no outside unit appears. Inputs
    this made for the same subtree already are that (the pages keep them per week)."""
    if viewer is None or viewer.scope_code is None:
        return data
    if data.within == viewer.scope_code:
        return data
    units = data.units
    if viewer.scope_code not in set(units["code"].astype(str)):
        raise DoorError(f"您的账号所辖单位“{viewer.scope_code}”不在单位名册中：请联系管理员")
    codes = set(UnitTree(units).subtree(viewer.scope_code))
    return Inputs(
        units[units["code"].isin(codes)].reset_index(drop=True),
        data.figures[data.figures["unit_code"].isin(codes)].reset_index(drop=True),
        data.settings,
        data.days,
        within=viewer.scope_code,
    )


def scope_for(requested: str | None, data: Inputs, viewer: Viewer | None) -> str | None:
    """The scope to report on: the request, within what the viewer may see."""
    if viewer is None or viewer.scope_code is None:
        return requested
    if requested is None:
        return viewer.scope_code
    if requested not in set(data.units["code"].astype(str)):
        raise _outside_scope(requested, viewer)
    return requested


@dataclass(frozen=True)
class Inputs:
    """What a report over a window of weeks reads."""

    units: pd.DataFrame
    figures: pd.DataFrame
    settings: Settings
    days: list[dt.date]
    within: str | None = None  # the subtree ``visible`` cut these to (None: not cut)


def report_days(engine: Engine) -> list[dt.date]:
    """Report days that hold current figures, oldest first."""
    return report_inputs.report_days(engine)


def check_request(
    engine: Engine,
    report_date: dt.date | None,
    scope: str | None,
    *,
    units: pd.DataFrame | None = None,
) -> dt.date:
    """The report day asked for (the latest when None), or ``DoorError``."""
    units = repo.load_units(engine) if units is None else units
    if units.empty:
        raise _empty_registry()
    days = report_days(engine)
    if not days:
        raise _no_data()
    if report_date is None:
        report_date = days[-1]
    elif report_date not in days:
        raise _unknown_week(report_date, days)
    if scope is not None and scope not in set(units["code"].astype(str)):
        raise _unknown_scope(scope)
    return report_date


def inputs(
    engine: Engine,
    report_date: dt.date | None,
    weeks: int | None,
    *,
    units: pd.DataFrame | None = None,
    settings: Settings | None = None,
    window: tuple[pd.DataFrame, list[dt.date]] | None = None,
) -> Inputs:
    """Registry, settings and the figures of the last ``weeks`` report weeks (0 = what a
    week's report needs; None = all). Callers that hold the registry, the settings or the
    window already (the pages, cached) pass them in."""
    settings = Settings.of(repo.get_settings(engine) if settings is None else settings)
    units = repo.load_units(engine) if units is None else units
    figures, days = (
        window
        if window is not None
        else figure_window(engine, report_date, window_weeks(settings, weeks))
    )
    return Inputs(units, figures, settings, days)


def window_weeks(settings: Settings, weeks: int | None) -> int | None:
    """The weeks of figures to read: at least what the week's report needs."""
    if weeks == 0:
        return report.window_size(settings)
    if weeks is not None:
        return max(weeks, report.window_size(settings))
    return None


def figure_window(
    engine: Engine, report_date: dt.date | None, weeks: int | None
) -> tuple[pd.DataFrame, list[dt.date]]:
    """The figures of the last ``weeks`` report weeks up to ``report_date`` and those days."""
    return report_inputs.load_window(engine, report_date, weeks)


def week_report(
    engine: Engine,
    report_date: dt.date | None = None,
    scope: str | None = None,
    *,
    by_category: bool = False,
    weeks: int | None = 0,
    history_codes: Sequence[str] | None = None,
    given: Inputs | None = None,
    checked: bool = False,
    viewer: Viewer | None = None,
    city: report.CityWeek | None = None,
) -> WeekReport:
    """The week's report for ``scope``, as ``viewer`` may see it; with ``history_codes`` it
    carries those units' last ``weeks`` weeks too. ``checked=True`` when the caller
    validated the week and scope already. ``city``: the week's ``city_week`` for the same
    week, data, ``by_category``, ``history_codes`` and viewer (the pages keep one per week
    and data version), cut to ``scope`` here instead of computed again."""
    data = given or inputs(engine, report_date, weeks)
    if not checked:
        report_date = check_request(engine, report_date, scope, units=data.units)
    data = visible(data, viewer)
    scope = scope_for(scope, data, viewer)
    day = report_date or (data.days[-1] if data.days else None)
    if city is None:
        city = _city(engine, data, report_date, day, by_category, weeks, history_codes)
    return report.scope_report(city, data.settings, scope, _timeliness(city, data, scope))


def city_week(
    engine: Engine,
    report_date: dt.date | None = None,
    *,
    by_category: bool = False,
    weeks: int | None = 0,
    history_codes: Sequence[str] | None = None,
    given: Inputs | None = None,
    checked: bool = False,
    viewer: Viewer | None = None,
) -> report.CityWeek:
    """What every scope's report of the week shares: heat, ranks and lagging reasons of
    every unit ``viewer`` may see (their subtree; everything for the office). It holds no
    scope: ``week_report(..., city=...)`` cuts the scope from it, within the viewer's."""
    data = given or inputs(engine, report_date, weeks)
    if not checked:
        report_date = check_request(engine, report_date, None, units=data.units)
    data = visible(data, viewer)
    day = report_date or (data.days[-1] if data.days else None)
    return _city(engine, data, report_date, day, by_category, weeks, history_codes)


def _city(
    engine: Engine | None,
    data: Inputs,
    report_date: dt.date | None,
    day: dt.date | None,
    by_category: bool,
    weeks: int | None,
    history_codes: Sequence[str] | None,
) -> report.CityWeek:
    entry = _week_status(engine, day)
    city = report.city_week(
        data.units,
        data.figures,
        data.settings,
        report_date,
        by_category,
        all_dates=data.days,
        history_codes=list(history_codes) if history_codes is not None else None,
        history_weeks=weeks or None,
        overdue=entry.overdue(dt.datetime.now(dt.UTC)) if entry is not None else [],
    )
    return dataclasses.replace(city, entry=entry)


def _week_status(engine: Engine | None, day: dt.date | None) -> entry_views.WeekStatus | None:
    """The week's 填报 task and entry status (none without a task, and none for inputs
    given without a database): read once with the week, the overdue units (逾期未报) and
    every scope's 按时报送率 are counted from it."""
    if engine is None or day is None:
        return None
    return entry_views.week_status(engine, day)


def _timeliness(city: report.CityWeek, data: Inputs, scope: str | None) -> dict[str, Any] | None:
    """The scope's 按时报送率 figures for the week (none without a task)."""
    entry = city.entry
    if not isinstance(entry, entry_views.WeekStatus):
        return None
    parts = city.parts
    if scope is not None and parts is not None and scope in parts.span:
        start, stop = parts.span[scope]
        codes = parts.codes[parts.members[start:stop]].tolist()
    elif scope is not None:
        codes = subtree_codes(data.units, scope)
    else:
        codes = list(metrics.expected_units(data.units)["code"])
    found = entry.timeliness(codes)
    return {
        "on_time": found.on_time,
        "late": found.late,
        "overdue": found.overdue,
        "on_time_rate": found.rate,
    }


def level_trends(
    engine: Engine,
    report_date: dt.date | None,
    scope: str | None,
    *,
    by_category: bool = False,
    weeks: int | None = 8,
    with_heat: bool = True,
    given: Inputs | None = None,
    viewer: Viewer | None = None,
    city: report.CityHistory | None = None,
) -> pd.DataFrame:
    """Per week × level aggregates over the last ``weeks`` report weeks (None = all).
    ``city``: the same span's ``city_history`` for this viewer (the pages keep one per week
    and data version), cut to ``scope`` here instead of computed again."""
    data = visible(given or inputs(engine, report_date, weeks), viewer)
    scope = scope_for(scope, data, viewer)
    if city is None:
        city = _city_history(data, report_date, by_category, weeks, with_heat)
    return report.level_trends(report.cut_history(city, data.settings, scope))


def city_history(
    engine: Engine,
    report_date: dt.date | None,
    *,
    by_category: bool = False,
    weeks: int | None = 8,
    with_heat: bool = True,
    given: Inputs | None = None,
    viewer: Viewer | None = None,
) -> report.CityHistory:
    """Every unit ``viewer`` may see over the last ``weeks`` report weeks, before any scope
    is cut from it (``level_trends(..., city=...)``)."""
    data = visible(given or inputs(engine, report_date, weeks), viewer)
    return _city_history(data, report_date, by_category, weeks, with_heat)


def _city_history(
    data: Inputs,
    report_date: dt.date | None,
    by_category: bool,
    weeks: int | None,
    with_heat: bool,
) -> report.CityHistory:
    return report.city_history(
        data.units,
        data.figures,
        data.settings,
        report_date,
        by_category,
        weeks=weeks,
        all_dates=data.days,
        with_heat=with_heat,
    )


def indicator_trends(
    engine: Engine,
    report_date: dt.date | None,
    scope: str | None,
    indicators: Sequence[str],
    *,
    weeks: int | None = 8,
    units: pd.DataFrame | None = None,
    settings: Settings | None = None,
    viewer: Viewer | None = None,
    city: report.CityIndicators | None = None,
) -> pd.DataFrame:
    """Per week × level Σ carried values of a few indicators (reads only those figures).
    ``city``: the same span's ``city_indicators`` for this viewer (the pages keep one per
    week and data version), cut to ``scope`` here instead of read and computed again."""
    settings = Settings.of(repo.get_settings(engine) if settings is None else settings)
    units = repo.load_units(engine) if units is None else units
    data = visible(Inputs(units, _NO_FIGURES, settings, []), viewer)
    scope = scope_for(scope, data, viewer)
    if city is None:
        city = city_indicators(
            engine, report_date, indicators, weeks=weeks, units=units, viewer=viewer
        )
    return report.cut_indicator_trends(city, settings, list(indicators), scope)


def city_indicators(
    engine: Engine,
    report_date: dt.date | None,
    indicators: Sequence[str],
    *,
    weeks: int | None = 8,
    units: pd.DataFrame | None = None,
    viewer: Viewer | None = None,
) -> report.CityIndicators:
    """Carried values of ``indicators`` of every unit ``viewer`` may see over the span: what
    each scope's indicator lines are cut from."""
    units = repo.load_units(engine) if units is None else units
    figures, days = report_inputs.load_window(engine, report_date, weeks, list(indicators))
    data = visible(Inputs(units, figures, Settings(), days), viewer)
    return report.city_indicators(
        data.units, data.figures, list(indicators), report_date, weeks, days
    )


def units_history(
    engine: Engine,
    report_date: dt.date | None,
    codes: Sequence[str],
    *,
    by_category: bool = False,
    weeks: int | None = 8,
    given: Inputs | None = None,
    viewer: Viewer | None = None,
) -> pd.DataFrame:
    """Some units' figures and heat over the last ``weeks`` report weeks (of those units the
    viewer may see)."""
    data = visible(given or inputs(engine, report_date, weeks), viewer)
    codes = [c for c in codes if c in set(data.units["code"].astype(str))]
    return report.history(
        data.units,
        data.figures,
        data.settings,
        report_date,
        by_category=by_category,
        unit_codes=list(codes),
        weeks=weeks,
        all_dates=data.days,
    )


def status_grid(
    engine: Engine,
    report_date: dt.date | None,
    weeks: int,
    scope: str | None,
    *,
    given: Inputs | None = None,
    viewer: Viewer | None = None,
    city: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Unit × week 报送 status (已报 / 零报告 / 未报) over the last ``weeks`` weeks.
    ``city``: the same weeks' ``city_status_grid`` for this viewer (the pages keep one per
    week and data version), cut to ``scope`` here instead of computed again."""
    data = visible(given or inputs(engine, report_date, weeks), viewer)
    scope = scope_for(scope, data, viewer)
    grid = city if city is not None else _status_grid(data, weeks)
    if scope is not None:
        grid = grid[grid.index.isin(subtree_codes(data.units, scope))]
    return grid


def city_status_grid(
    engine: Engine,
    report_date: dt.date | None,
    weeks: int,
    *,
    given: Inputs | None = None,
    viewer: Viewer | None = None,
) -> pd.DataFrame:
    """The 报送 status of every unit ``viewer`` may see over the last ``weeks`` weeks: what
    each scope's grid is cut from."""
    return _status_grid(visible(given or inputs(engine, report_date, weeks), viewer), weeks)


def _status_grid(data: Inputs, weeks: int) -> pd.DataFrame:
    return metrics.status_grid(data.units, data.figures, data.days[-weeks:])


_NO_FIGURES = pd.DataFrame({"unit_code": pd.Series([], dtype="str")})


def subtree_codes(units: pd.DataFrame, scope: str) -> list[str]:
    """The codes of ``scope`` and every expected unit under it."""
    return UnitTree(metrics.expected_units(units)).subtree(scope)


def scope_units(
    engine: Engine,
    scope: str | None,
    *,
    units: pd.DataFrame | None = None,
    viewer: Viewer | None = None,
) -> pd.DataFrame:
    """code, name, level, category, parent_code of the units in ``scope`` (registry order)."""
    units = repo.load_units(engine) if units is None else units
    if viewer is not None and viewer.scope_code is not None:
        units = visible(Inputs(units, _NO_FIGURES, Settings(), []), viewer).units
        scope = scope_for(scope, Inputs(units, _NO_FIGURES, Settings(), []), viewer)
    units = units[["code", "name", "level", "category", "parent_code"]]
    if scope is not None:
        units = units[units["code"].isin(subtree_codes(units.assign(retired=False), scope))]
    return units.reset_index(drop=True)


def not_submitted(engine: Engine, report_date: dt.date) -> set[str]:
    """Units that have not reported for ``report_date`` by the entry status (the one rule the
    review grid also shows): the 催报 list. Within the week's task scope, if it has one."""
    return set(entry_status.not_submitted(engine, report_date))


# --- online entry (填报): tasks, the entry grid, the review grid, timeliness ----------------
def entry_actor(engine: Engine, viewer: Viewer | None) -> entries.Actor:
    """Who enters: the signed-in user with its entry mode; local mode acts as the office."""
    if viewer is None:
        return entries.Actor("", "office")
    return entries.actor_for(engine, viewer.name, viewer.role, viewer.scope_code)


def fill_task(
    engine: Engine, report_date: dt.date | None = None, now: dt.datetime | None = None
) -> TaskInfo | None:
    """The task of ``report_date``; without a date the current week's (created from the
    settings when automatic tasks are on)."""
    if report_date is not None:
        return entry_status.task_for(engine, report_date)
    return entry_tasks.ensure_auto_task(engine, now)


def fill_task_dates(engine: Engine) -> list[dt.date]:
    """The report days that have a 填报 task, newest first."""
    return list(entry_tasks.list_tasks(engine)["report_date"])


def may_manage_tasks(viewer: Viewer | None) -> bool:
    """Opening, closing and reopening 填报 tasks is the office's (local mode acts as it)."""
    return viewer is None or viewer.role in entries.REVIEW_ROLES


def _require_manager(viewer: Viewer | None) -> None:
    if not may_manage_tasks(viewer):
        assert viewer is not None
        raise DoorError(f"账号“{viewer.name}”无权开放或关闭填报任务：这由办公室（管理员）账号办理")


def open_fill_task(
    engine: Engine,
    viewer: Viewer | None,
    report_date: dt.date,
    *,
    scope_code: str | None = None,
    opens_at: dt.datetime | None = None,
    deadline: dt.datetime | None = None,
    allow_late: bool | None = None,
) -> TaskInfo:
    """Open a week's task on behalf of ``viewer``: refused (DoorError) unless the office."""
    _require_manager(viewer)
    return entry_tasks.open_task(
        engine,
        report_date,
        scope_code=scope_code,
        opens_at=opens_at,
        deadline=deadline,
        allow_late=allow_late,
        actor=viewer.name if viewer else "",
    )


def update_fill_task(
    engine: Engine,
    viewer: Viewer | None,
    task_id: int,
    *,
    opens_at: dt.datetime | None = None,
    deadline: dt.datetime | None = None,
    allow_late: bool | None = None,
    closed: bool | None = None,
) -> None:
    """Move a task's opening time or deadline, change its late rule, close (no more entries)
    or reopen it on behalf of ``viewer``: the office only."""
    _require_manager(viewer)
    entry_tasks.update_task(
        engine,
        task_id,
        opens_at=opens_at,
        deadline=deadline,
        allow_late=allow_late,
        closed=closed,
        actor=viewer.name if viewer else "",
    )


def check_entries(
    engine: Engine, task: TaskInfo, cells: Mapping[str, Mapping[str, object]]
) -> entry_rules.Checked:
    """The importer's rules on typed cells, against each unit's previous stored week."""
    return entry_rules.check_entries(engine, task.report_date, cells)


def entry_sheet(
    engine: Engine, task: TaskInfo, viewer: Viewer | None, now: dt.datetime | None = None
) -> entry_views.Sheet:
    """The viewer's units for the task, figures beside last week's."""
    return entry_views.entry_sheet(engine, task, entry_actor(engine, viewer), now)


def entry_review(
    engine: Engine,
    task: TaskInfo,
    viewer: Viewer | None,
    scope: str | None = None,
    now: dt.datetime | None = None,
) -> pd.DataFrame:
    """Units × status of the task within what the viewer may see (and ``scope``)."""
    units = repo.load_units(engine)
    allowed = _visible_codes(units, viewer, scope)
    return entry_views.review_grid(engine, task, allowed, now)


def timeliness(
    engine: Engine,
    report_date: dt.date,
    scope: str | None,
    viewer: Viewer | None = None,
    now: dt.datetime | None = None,
) -> entry_views.Timeliness | None:
    """按时报送率 of the week within the viewer's scope (None: no task that week)."""
    units = metrics.expected_units(repo.load_units(engine))
    return entry_views.timeliness(engine, report_date, _visible_codes(units, viewer, scope), now)


def _visible_codes(units: pd.DataFrame, viewer: Viewer | None, scope: str | None) -> list[str]:
    data = visible(Inputs(units, _NO_FIGURES, Settings(), []), viewer)
    scope = scope_for(scope, data, viewer)
    codes = [str(c) for c in data.units["code"]]
    if scope is None:
        return codes
    if scope not in set(codes):
        raise _unknown_scope(scope)
    return UnitTree(data.units).subtree(scope)
