"""The one entry point the pages, the CLI and the exports use: ``build_report``.

Everything is computed city-wide (heat, pools, ranks, flags), then cut to the scope, so a
unit's heat and rank do not depend on who is looking.  Pure functions on DataFrames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dashboard.core import flags as flags_mod
from dashboard.core import gradient, heat, metrics, narrative
from dashboard.core.catalogue import INDICATORS, PROBLEMS_CLOSED, PROBLEMS_FOUND, RATES
from dashboard.core.settings import Settings, level_name
from dashboard.core.units import UnitTree

__all__ = [
    "HISTORY_COLUMNS",
    "READING_COVERAGE",
    "CityHistory",
    "CityWeek",
    "WeekReport",
    "build_report",
    "city_history",
    "city_week",
    "cut_history",
    "heat_panel",
    "history",
    "indicator_trends",
    "level_trends",
    "levels_table",
    "narrow",
    "CityIndicators",
    "city_indicators",
    "cut_indicator_trends",
    "projection",
    "reference_area",
    "scope_parts",
    "scope_report",
    "scope_report_alone",
    "ScopeParts",
    "window_size",
]

READING_COVERAGE = ("reading_coverage", "读书班覆盖率")


@dataclass
class WeekReport:
    report_date: dt.date
    previous_date: dt.date | None
    scope_code: str | None
    scope_name: str
    units: pd.DataFrame
    coverage: dict[str, Any]
    totals: pd.DataFrame
    rates: pd.DataFrame
    levels: pd.DataFrame
    subtrees: pd.DataFrame
    lagging: pd.DataFrame
    not_reported: list[str]
    stalled: list[str]
    findings: list[str]
    dates: list[dt.date] = field(default_factory=list)  # every report week up to report_date
    level_names: dict[int, str] = field(default_factory=dict)
    by_category: bool = False
    # Rows of the heat panel (HISTORY_COLUMNS) for the units asked for with history_codes.
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Does the scope as a whole fade level by level (a gradient pattern, '' when not)?
    city_pattern: str = ""
    # what the comparisons cover: 全市, or the subtree a scoped viewer sees (its root's name)
    reference_area: str = gradient.WHOLE_CITY
    # gradient.level_stats of every unit city-wide: what subtrees are judged against.
    level_stats: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def empty(self) -> bool:
        return self.units.empty

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON contract (issue 4)."""
        ranked = self.units.sort_values(["level", "pool", "rank", "code"])
        return {
            "report_date": self.report_date.isoformat(),
            "coverage": {
                "expected": int(self.coverage["expected"]),
                "reported": int(self.coverage["reported"]),
                "rate": _num(self.coverage["rate"]),
            },
            "not_reported": list(self.not_reported),
            "stalled": list(self.stalled),
            "levels": [
                {
                    "level": int(r.level),
                    "name": str(r.name),
                    "units": int(r.units),
                    "mean_heat": _num(r.mean_heat),
                    "closure_rate": _num(r.closure_rate),
                }
                for r in self.levels.itertuples()
            ],
            "gradient_flagged_subtrees": (
                [str(c) for c in self.subtrees.loc[self.subtrees["flagged"], "code"]]
                if not self.subtrees.empty
                else []
            ),
            "lagging": [
                {"unit_code": str(r.unit_code), "reasons": list(r.reasons)}
                for r in self.lagging.itertuples()
            ],
            "rankings": [
                {
                    "unit_code": str(r.code),
                    "pool": str(r.pool),
                    "rank": int(r.rank),
                    "heat": _num(r.heat),
                    "rank_change": None if pd.isna(r.rank_change) else int(r.rank_change),
                }
                for r in ranked.itertuples()
            ],
        }


def _num(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def window_size(settings: Settings) -> int:
    """How many report weeks a week's report needs (older rows only give starting values):
    last week's stall window (N + 2 weeks) or this week's closing pace (PACE_WEEKS + 1)."""
    return max(settings.stall_weeks + 2, metrics.PACE_WEEKS + 1)


def _unit_attributes(units: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Expected units with level_name, parent_name and root_l2 (their level-2 ancestor)."""
    expected = metrics.expected_units(units).copy()
    # Plain object columns: pandas' Arrow-backed strings are slow in isin/map/merge here.
    expected["code"] = np.asarray(expected["code"].astype(str), dtype=object)
    for col in ("name", "parent_code", "category"):
        expected[col] = np.asarray(expected[col], dtype=object)
    names = list(settings.get("level_names") or [])
    expected["level_name"] = expected["level"].map(lambda lv: level_name(int(lv), names))
    by_code = dict(zip(expected["code"], expected["name"], strict=True))
    expected["parent_name"] = expected["parent_code"].map(by_code).fillna("")
    expected["root_l2"] = _ancestor_at_level(expected, 2)
    return expected


def _ancestor_at_level(frame: pd.DataFrame, level: int) -> pd.Series:
    """Each unit's ancestor at ``level`` (itself at that level; NaN above it), vectorised."""
    parent = frame.set_index("code")["parent_code"]
    levels = frame.set_index("code")["level"].astype("int64")
    current = frame["code"].copy()
    for _ in range(int(levels.max()) if len(levels) else 0):
        deeper = current.map(levels) > level
        if not deeper.any():
            break
        current = current.where(~deeper, current.map(parent))
    at_level = current.map(levels) == level
    return current.where(at_level)


def _dates_upto(
    figures: pd.DataFrame, report_date: dt.date | None, all_dates: list[dt.date] | None
) -> tuple[dt.date, list[dt.date]]:
    """The report day and every report day up to it (it included even without figures)."""
    known = sorted(all_dates) if all_dates is not None else metrics.report_dates(figures)
    if report_date is None:
        report_date = known[-1] if known else dt.date.today()
    dates = [d for d in known if d <= report_date]
    if report_date not in dates:
        dates.append(report_date)
    return report_date, dates


def heat_panel(
    units: pd.DataFrame,
    figures: pd.DataFrame,
    settings: Settings,
    dates: list[dt.date],
    by_category: bool = False,
    heat_dates: list[dt.date] | None = None,
    all_dates: list[dt.date] | None = None,
    attrs: pd.DataFrame | None = None,
    with_heat: bool = True,
) -> pd.DataFrame:
    """Metrics + heat for every expected unit and each report week in ``dates``
    (``with_heat=False``: the metrics and unit attributes only).

    ``figures`` may hold older rows (they give starting values) and ``all_dates`` is every
    report day up to the last of ``dates``.  ``heat_dates`` limits the heat computation to
    those weeks.  Columns: the metrics panel, unit attributes, comp_*, heat, pool, rank,
    rank_last, pool_size, status.
    """
    if attrs is None:
        attrs = _unit_attributes(units, settings)
    stall = settings.stall_weeks
    panel = metrics.panel(attrs, figures, dates, stall, all_dates)
    if heat_dates is not None:
        wanted = pd.to_datetime(pd.Series(heat_dates, dtype="object"))
        panel = panel[panel["report_date"].isin(wanted)]
    keep = ["code", "name", "level", "level_name", "category", "parent_code", "parent_name"]
    panel = panel.merge(
        attrs[[*keep, "root_l2"]].rename(columns={"code": "unit_code"}), on="unit_code"
    )
    if not with_heat:
        return panel
    panel = heat.add_heat(panel, settings, by_category=by_category)
    panel["status"] = heat.status(panel["heat"], settings)
    return panel


@dataclass(frozen=True)
class CityWeek:
    """The part of a week's report that no scope changes: every unit's heat panel, the
    week's ranks and lagging reasons, the level statistics subtrees are judged against.
    Built once per week and data (``city_week``); ``scope_report`` cuts a subtree from it.
    Read only: shared by every report cut from it."""

    attrs: pd.DataFrame
    report_date: dt.date
    dates: list[dt.date]
    previous: dt.date | None
    panel: pd.DataFrame
    week: pd.DataFrame
    history: pd.DataFrame
    stats: pd.DataFrame
    area: str
    by_category: bool
    # the unit table of every unit (registry order) and its lagging list: a scope's are cut
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    lagging: pd.DataFrame = field(default_factory=pd.DataFrame)
    parts: ScopeParts | None = None
    # the week's 填报 task and entry status as the door read them with the week (an
    # ``entry.sheet.WeekStatus``; None: no task): each scope's 按时报送率 is counted from it
    entry: Any = None


@dataclass(frozen=True)
class ScopeParts:
    """Every scope below the city at once — each county, department, township … (a unit
    with all the units under it) — measured in one pass over a long frame that holds each
    scope's units: what ``scope_report`` cuts a scope's report from instead of grouping its
    units again. Each part equals what the scope's own rows give (``scope_report_alone``).
    Scopes whose units do not all lie under one subtree root (the city's root) are left to
    ``scope_report_alone``. Read only."""

    codes: np.ndarray  # CityWeek.table's unit codes (registry order)
    members: np.ndarray  # table rows of each scope's units, scope after scope, registry order
    span: dict[str, tuple[int, int]]  # scope → its slice of ``members``
    names: dict[str, str]  # unit code → name
    level_names: dict[int, str]
    reported: np.ndarray  # per table row, this week
    stalled: np.ndarray
    has_reading: np.ndarray
    figures: dict[str, np.ndarray]  # cur_<indicator> per table row, this week
    had_previous: np.ndarray  # per table row: a row in last week's panel
    previous_reported: np.ndarray
    previous_has_reading: np.ndarray
    previous_figures: dict[str, np.ndarray]
    # by (scope, level), the same groups in the same order in all three: ``levels_table``,
    # ``gradient.level_stats`` and ``gradient.subtree_measures`` of each scope's units
    levels: pd.DataFrame
    stats: pd.DataFrame
    measures: pd.DataFrame
    blocks: dict[str, tuple[int, int]]  # scope → its rows of the three frames
    lagging_rows: np.ndarray  # table rows of CityWeek.lagging, in its order
    no_lagging: pd.DataFrame  # the lagging list of a scope without lagging units


def city_week(
    units: pd.DataFrame,
    figures: pd.DataFrame,
    settings: Settings,
    report_date: dt.date | None = None,
    by_category: bool = False,
    all_dates: list[dt.date] | None = None,
    history_codes: list[str] | None = None,
    history_weeks: int | None = None,
    overdue: Collection[str] = (),
) -> CityWeek:
    """Heat, pools, ranks and flags of every unit in ``units`` for the week (see
    ``build_report`` for the arguments)."""
    attrs = _unit_attributes(units, settings)
    report_date, dates = _dates_upto(figures, report_date, all_dates)
    previous = dates[-2] if len(dates) >= 2 else None
    heat_dates: list[dt.date] | None = [d for d in (previous, report_date) if d is not None]
    window = dates[-window_size(settings) :]
    if history_codes is not None:
        heat_dates = None  # heat for every week of the (longer) window
        span = len(dates) if history_weeks is None else history_weeks
        window = dates[-max(span, window_size(settings)) :]
    panel = heat_panel(
        units, figures, settings, window, by_category, heat_dates, dates, attrs=attrs
    )
    history_rows = pd.DataFrame(columns=HISTORY_COLUMNS)
    if history_codes is not None:
        shown = dates[-history_weeks:] if history_weeks else dates
        wanted = panel["unit_code"].isin(history_codes) & panel["report_date"].isin(
            pd.to_datetime(pd.Series(shown, dtype="object"))
        )
        history_rows = panel.loc[wanted, HISTORY_COLUMNS].reset_index(drop=True)
    stamp = pd.Timestamp(report_date)
    week = panel[panel["report_date"] == stamp].reset_index(drop=True)
    week = _with_rank_change(week, panel, previous)
    week["overdue"] = week["unit_code"].isin(set(overdue)) & ~week["reported"].astype(bool)
    reason_flags = flags_mod.reasons(week, settings, report_date)
    week["reasons"] = reason_flags["reasons"]
    week["reason_details"] = reason_flags["details"]
    week["severity"] = reason_flags["severity"].to_numpy()
    for reason in flags_mod.REASONS:  # one bool column per reason, named by it
        week[reason] = reason_flags[reason].to_numpy()
    week["lagging"] = week["reasons"].map(bool)
    ordered = _registry_order(week, attrs)
    table = _unit_table(ordered)
    return CityWeek(
        attrs=attrs,
        report_date=report_date,
        dates=dates,
        previous=previous,
        panel=panel,
        week=week,
        history=history_rows,
        stats=gradient.level_stats(week),
        area=reference_area(attrs),
        by_category=by_category,
        table=table,
        lagging=_lagging(table),
        parts=scope_parts(attrs, ordered, table, panel, previous),
    )


def _registry_order(week: pd.DataFrame, attrs: pd.DataFrame) -> pd.DataFrame:
    """The week's rows in registry order (the order of every report's unit table)."""
    order = pd.Series(range(len(attrs)), index=attrs["code"])
    return week.iloc[np.argsort(week["unit_code"].map(order).to_numpy(), kind="stable")]


def build_report(
    units: pd.DataFrame,
    figures: pd.DataFrame,
    settings: Settings,
    report_date: dt.date | None = None,
    scope: str | None = None,
    by_category: bool = False,
    all_dates: list[dt.date] | None = None,
    history_codes: list[str] | None = None,
    history_weeks: int | None = None,
    overdue: Collection[str] = (),
    timeliness: Mapping[str, Any] | None = None,
) -> WeekReport:
    """The week's report for ``scope`` (a unit code: it and every unit below it; None = all).

    Without ``report_date``, the latest week with figures.  ``figures`` may be the whole
    history or only the last ``window_size(settings)`` weeks plus each unit's latest row
    before them (``dashboard.store.report_inputs.load_window``); then pass ``all_dates``, the
    campaign's report days.  With ``history_codes``, ``report.history`` holds those units'
    last ``history_weeks`` weeks (all when None), computed in the same pass (as
    ``history()`` would).  ``overdue``: units past the week's 填报 deadline without a
    return (a lagging reason); ``timeliness``: 按时报送率 figures of the scope (on_time_rate,
    on_time, late, overdue) added to ``coverage``. Raises KeyError for an unknown scope code.
    """
    city = city_week(
        units,
        figures,
        settings,
        report_date,
        by_category,
        all_dates,
        history_codes,
        history_weeks,
        overdue,
    )
    return scope_report(city, settings, scope, timeliness)


def scope_report(
    city: CityWeek,
    settings: Settings,
    scope: str | None = None,
    timeliness: Mapping[str, Any] | None = None,
) -> WeekReport:
    """The report of ``scope`` cut from the week's city-wide computation (``city`` is only
    read): a scope below the city from ``city.parts`` (rows taken, nothing grouped again),
    the whole area and the city's root from their rows (``scope_report_alone``). Raises
    KeyError for an unknown scope code."""
    parts = city.parts
    if scope is None or parts is None or scope not in parts.span:
        return scope_report_alone(city, settings, scope, timeliness)
    return _cut_report(city, parts, settings, scope, timeliness)


def scope_report_alone(
    city: CityWeek,
    settings: Settings,
    scope: str | None = None,
    timeliness: Mapping[str, Any] | None = None,
) -> WeekReport:
    """The report of ``scope`` from its own rows of the city-wide computation: what
    ``scope_report`` cuts from ``city.parts`` equals it. Raises KeyError for an unknown
    scope code."""
    attrs, week, panel, previous = city.attrs, city.week, city.panel, city.previous
    scope_codes, scope_name, scope_level = _scope(attrs, scope, settings)
    in_scope = _registry_order(week[week["unit_code"].isin(scope_codes)], attrs)
    unit_table = _unit_table(in_scope)

    prev_scope = (
        panel[
            (panel["report_date"] == pd.Timestamp(previous)) & panel["unit_code"].isin(scope_codes)
        ]
        if previous is not None
        else None
    )
    coverage = _coverage(in_scope, prev_scope)
    coverage.update(timeliness or {})
    totals = _totals(in_scope, prev_scope)
    rates = _rates(in_scope, prev_scope)
    levels = levels_table(in_scope)
    level_names = dict(zip(attrs["level"].astype(int), attrs["level_name"], strict=True))
    roots = gradient.subtree_roots(attrs, scope, scope_level)
    names = dict(zip(attrs["code"], attrs["name"], strict=True))
    subtrees = gradient.subtrees(
        unit_table, roots, names, settings, city.stats, level_names, city.area
    )
    city_pattern = gradient.city_pattern(gradient.level_stats(unit_table), settings)
    return _assembled(
        city,
        scope,
        scope_name,
        unit_table=unit_table,
        coverage=coverage,
        totals=totals,
        rates=rates,
        levels=levels,
        subtrees=subtrees,
        lagging=_lagging(unit_table),
        city_pattern=city_pattern,
        level_names=level_names,
        not_reported=unit_table.loc[~unit_table["reported"], "code"].tolist(),
        stalled=unit_table.loc[unit_table["stalled"], "code"].tolist(),
    )


def _assembled(
    city: CityWeek,
    scope: str | None,
    scope_name: str,
    *,
    unit_table: pd.DataFrame,
    coverage: dict[str, Any],
    totals: pd.DataFrame,
    rates: pd.DataFrame,
    levels: pd.DataFrame,
    subtrees: pd.DataFrame,
    lagging: pd.DataFrame,
    city_pattern: str,
    level_names: dict[int, str],
    not_reported: list[str],
    stalled: list[str],
) -> WeekReport:
    """A scope's WeekReport from its parts, with its findings: the one assembly of the
    report computed alone and of the report cut from the week's parts."""
    findings = narrative.findings(
        city.report_date,
        scope_name,
        coverage,
        totals,
        rates,
        levels,
        subtrees,
        lagging,
        flags_mod.REASONS,
        city_pattern,
    )
    return WeekReport(
        report_date=city.report_date,
        previous_date=city.previous,
        scope_code=scope,
        scope_name=scope_name,
        units=unit_table,
        coverage=coverage,
        totals=totals,
        rates=rates,
        levels=levels,
        subtrees=subtrees,
        lagging=lagging,
        not_reported=not_reported,
        stalled=stalled,
        findings=findings,
        dates=city.dates,
        level_names=level_names,
        by_category=city.by_category,
        history=city.history,
        city_pattern=city_pattern,
        level_stats=city.stats,
        reference_area=city.area,
    )


def _cut_report(
    city: CityWeek,
    parts: ScopeParts,
    settings: Settings,
    scope: str,
    timeliness: Mapping[str, Any] | None,
) -> WeekReport:
    """``scope_report_alone`` of a scope in ``parts``, from its parts."""
    start, stop = parts.span[scope]
    rows = parts.members[start:stop]
    unit_table = city.table.take(rows).reset_index(drop=True)
    reported = parts.reported[rows]
    expected = len(rows)
    count = int(np.count_nonzero(reported))
    coverage: dict[str, Any] = {
        "expected": expected,
        "reported": count,
        "rate": count / expected if expected else None,
        "previous_rate": None,
    }
    before_rows = rows[parts.had_previous[rows]] if city.previous is not None else None
    if before_rows is not None and len(before_rows):
        coverage["previous_rate"] = float(
            np.count_nonzero(parts.previous_reported[before_rows])
        ) / len(before_rows)
    coverage.update(timeliness or {})
    now = _sums(parts.figures, rows)
    before = _sums(parts.previous_figures, before_rows) if before_rows is not None else None
    totals = _totals_of(now, before)
    rates = _rates_of(
        _rate_values(now, parts.has_reading[rows]),
        _rate_values(before, parts.previous_has_reading[before_rows])
        if before is not None and before_rows is not None and len(before_rows)
        else {},
    )
    first, last = parts.blocks[scope]
    levels = parts.levels.iloc[first:last].droplevel(0).reset_index()
    levels["level"] = levels["level"].astype("int64")
    subtrees = gradient.rooted_subtree(
        scope,
        parts.measures.iloc[first:last].droplevel(0),
        parts.names,
        settings,
        city.stats,
        parts.level_names,
        city.area,
    )
    city_pattern = gradient.city_pattern(parts.stats.iloc[first:last].droplevel(0), settings)
    inside = np.zeros(len(parts.codes), dtype=bool)
    inside[rows] = True
    kept = inside[parts.lagging_rows]
    lagging = city.lagging[kept].reset_index(drop=True) if kept.any() else parts.no_lagging
    codes = parts.codes[rows]
    return _assembled(
        city,
        scope,
        str(parts.names[scope]),
        unit_table=unit_table,
        coverage=coverage,
        totals=totals,
        rates=rates,
        levels=levels,
        subtrees=subtrees,
        lagging=lagging,
        city_pattern=city_pattern,
        level_names=parts.level_names,
        not_reported=codes[~reported].tolist(),
        stalled=codes[parts.stalled[rows]].tolist(),
    )


def _sums(figures: Mapping[str, np.ndarray], rows: np.ndarray) -> dict[str, float]:
    """Σ of each indicator over ``rows`` (NaN when none has a value): ``metrics.totals``."""
    out: dict[str, float] = {}
    for code, values in figures.items():
        taken = values[rows]
        out[code] = float("nan") if np.isnan(taken).all() else np.nansum(taken)
    return out


def _rate_values(sums: Mapping[str, float], has_reading: np.ndarray) -> dict[str, float | None]:
    """``metrics.rate_values`` from the Σ of each indicator and the rows' has_reading."""
    out: dict[str, float | None] = {}
    for item in RATES:
        den = np.nan_to_num(sums[item.denominator], nan=0.0)
        num = np.nan_to_num(sums[item.numerator], nan=0.0)
        out[item.code] = float(num / den) if den > 0 else None
    out["reading_coverage"] = (
        np.count_nonzero(has_reading) / len(has_reading) if len(has_reading) else None
    )
    return out


def scope_parts(
    attrs: pd.DataFrame,
    week: pd.DataFrame,
    table: pd.DataFrame,
    panel: pd.DataFrame,
    previous: dt.date | None,
) -> ScopeParts | None:
    """Every scope below the city measured at once (``ScopeParts``): ``week`` holds the
    week's panel rows in registry order and ``table`` their unit table. None when the rows
    are not the registry's units one for one."""
    codes = table["code"].to_numpy(dtype=object)
    if len(codes) != len(attrs) or list(codes) != list(attrs["code"]):
        return None
    count = len(codes)
    position = {code: i for i, code in enumerate(codes)}
    parents = np.array(
        [
            position.get(p, -1) if isinstance(p, str) and p else -1
            for p in attrs["parent_code"].tolist()
        ],
        dtype="int64",
    )
    levels = table["level"].to_numpy(dtype="int64")
    # (scope, unit) for every unit and each of its ancestors and itself
    scope_of, unit_of = [np.arange(count)], [np.arange(count)]
    current = parents.copy()
    for _ in range(count):
        above = current >= 0
        if not above.any():
            break
        scope_of.append(current[above])
        unit_of.append(np.flatnonzero(above))
        current = np.where(above, parents[np.where(above, current, 0)], -1)
    scopes, units = np.concatenate(scope_of), np.concatenate(unit_of)
    # scopes below the city whose units share one subtree root (every scope but the root)
    roots = table["root_l2"].to_numpy(dtype=object)
    eligible = levels >= 2
    level2 = levels[scopes] == 2
    strays = level2 & (roots[units] != codes[scopes])
    eligible[np.unique(scopes[strays])] = False
    keep = eligible[scopes]
    scopes, units = scopes[keep], units[keep]
    order = np.lexsort((units, scopes))
    scopes, units = scopes[order], units[order]
    span = _runs(codes[scopes])
    comps = [c for c in heat.COMP_COLUMNS if c in table.columns]
    long = pd.DataFrame(
        {
            "scope": codes[scopes],
            "level": week["level"].to_numpy()[units],
            "level_name": week["level_name"].to_numpy()[units],
            "reported": week["reported"].to_numpy()[units],
            "heat": week["heat"].to_numpy()[units],
            f"cur_{PROBLEMS_FOUND}": week[f"cur_{PROBLEMS_FOUND}"].to_numpy()[units],
            f"cur_{PROBLEMS_CLOSED}": week[f"cur_{PROBLEMS_CLOSED}"].to_numpy()[units],
            **{c: table[c].to_numpy()[units] for c in comps},
        }
    )
    by_level = levels_table(long, by="scope")
    shaped = long.assign(level=table["level"].to_numpy()[units])  # the unit table's level
    stats = gradient.level_stats(shaped, by="scope")
    measures = gradient.subtree_measures(shaped, "scope")
    blocks = _runs(by_level.index.get_level_values(0).to_numpy(dtype=object))
    previous_rows = _previous_rows(panel, previous, position)
    had_previous = previous_rows >= 0
    taken = np.where(had_previous, previous_rows, 0)
    previous_week = panel.iloc[taken] if previous is not None else panel.iloc[:0]
    return ScopeParts(
        codes=codes,
        members=units,
        span=span,
        names=dict(zip(attrs["code"], attrs["name"], strict=True)),
        level_names=dict(zip(attrs["level"].astype(int), attrs["level_name"], strict=True)),
        reported=week["reported"].to_numpy(dtype=bool),
        stalled=table["stalled"].to_numpy(dtype=bool),
        has_reading=week["has_reading"].to_numpy(dtype=bool),
        figures={c: _floats(week[f"cur_{c}"]) for c in metrics.FIGS},
        had_previous=had_previous,
        previous_reported=_column(previous_week, "reported", bool, count),
        previous_has_reading=_column(previous_week, "has_reading", bool, count),
        previous_figures={
            c: _column(previous_week, f"cur_{c}", "float64", count) for c in metrics.FIGS
        },
        levels=by_level,
        stats=stats,
        measures=measures,
        blocks=blocks,
        lagging_rows=_lagging_rows(table),
        no_lagging=_lagging(table.iloc[:0]),
    )


def _floats(values: pd.Series) -> np.ndarray:
    return np.ascontiguousarray(values.to_numpy(dtype="float64", na_value=np.nan))


def _column(frame: pd.DataFrame, name: str, dtype: Any, count: int) -> np.ndarray:
    """``frame[name]`` as a plain array (``count`` blanks when ``frame`` is empty)."""
    if frame.empty:
        return np.zeros(count, dtype=dtype) if dtype is bool else np.full(count, np.nan)
    if dtype is bool:
        return frame[name].to_numpy(dtype=bool)
    return _floats(frame[name])


def _previous_rows(
    panel: pd.DataFrame, previous: dt.date | None, position: Mapping[str, int]
) -> np.ndarray:
    """For each table row, its row in last week's part of ``panel`` (-1: none)."""
    out = np.full(len(position), -1, dtype="int64")
    if previous is None:
        return out
    at = np.flatnonzero((panel["report_date"] == pd.Timestamp(previous)).to_numpy())
    for row, code in zip(at, panel["unit_code"].to_numpy()[at], strict=True):
        where = position.get(code)
        if where is not None:
            out[where] = row
    return out


def _runs(values: np.ndarray) -> dict[str, tuple[int, int]]:
    """Each value of a sorted array → the slice of the array that holds it."""
    if not len(values):
        return {}
    firsts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    bounds = np.r_[firsts, len(values)]
    return {str(values[a]): (int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)}


def reference_area(attrs: pd.DataFrame) -> str:
    """全市 when ``attrs`` holds the registry's root; else (a scoped viewer's units) the name
    of their top unit — never 全市 for a part of the city."""
    if attrs.empty:
        return gradient.WHOLE_CITY
    codes = set(attrs["code"])
    parents = attrs["parent_code"]
    tops = attrs[parents.isna() | (parents == "") | ~parents.isin(codes)]
    if len(tops) == 1 and not (tops["parent_code"].isna() | (tops["parent_code"] == "")).iloc[0]:
        return str(tops["name"].iloc[0])
    return gradient.WHOLE_CITY


def _scope(
    attrs: pd.DataFrame, scope: str | None, settings: Settings, tree: UnitTree | None = None
) -> tuple[set[str], str, int | None]:
    """The codes, name and level of ``scope`` (None: every unit of ``attrs``); ``tree``:
    ``attrs``'s tree when the caller keeps one (building it is most of the cost)."""
    if scope is None:
        name = settings.get("city_name") or "全市"
        return set(attrs["code"]), str(name), None
    tree = tree if tree is not None else UnitTree(attrs)
    if scope not in tree.names_by_code:
        raise KeyError(scope)
    return set(tree.subtree(scope)), str(tree.names_by_code[scope]), tree.level_of(scope)


def _with_rank_change(
    week: pd.DataFrame, panel: pd.DataFrame, previous: dt.date | None
) -> pd.DataFrame:
    """rank_change = last week's rank − this week's rank (positive = moved up)."""
    if previous is None:
        week["rank_change"] = pd.array([pd.NA] * len(week), dtype="Int64")
        week["previous_heat"] = np.nan
        return week
    before = panel[panel["report_date"] == pd.Timestamp(previous)][
        ["unit_code", "pool", "rank", "heat"]
    ].rename(columns={"rank": "previous_rank", "heat": "previous_heat"})
    week = week.merge(before, on=["unit_code", "pool"], how="left")
    week["rank_change"] = (week["previous_rank"] - week["rank"]).astype("Int64")
    return week


def _unit_table(week: pd.DataFrame) -> pd.DataFrame:
    figs = metrics.FIGS
    out = pd.DataFrame(
        {
            "code": week["unit_code"].to_numpy(),
            "name": week["name"].to_numpy(),
            "level": week["level"].astype("int64").to_numpy(),
            "level_name": week["level_name"].to_numpy(),
            "category": week["category"].to_numpy(),
            "parent_code": week["parent_code"].to_numpy(),
            "parent_name": week["parent_name"].to_numpy(),
            "root_l2": week["root_l2"].to_numpy(),
            "reported": week["reported"].astype(bool).to_numpy(),
            "missing_weeks": week["missing_weeks"].astype("int64").to_numpy(),
        }
    )
    counts = [*figs, *metrics.CUR, *metrics.INC]
    whole = week[counts].round().astype("Int64")  # one block conversion
    whole.index = out.index
    out = pd.concat([out, whole], axis=1)
    for code in metrics.RATE_CODES:
        out[code] = week[code].astype("float64").to_numpy()
    out["has_reading"] = week["has_reading"].astype(bool).to_numpy()
    out["moved"] = week["moved"].to_numpy()
    out["closing_pace"] = week["closing_pace"].to_numpy()
    out["heat"] = week["heat"].to_numpy()
    for col in heat.COMP_COLUMNS:
        out[col] = week[col].to_numpy()
    out["pool"] = week["pool"].to_numpy()
    out["pool_size"] = week["pool_size"].to_numpy()
    out["rank"] = week["rank"].astype("Int64").to_numpy()
    out["rank_change"] = week["rank_change"].astype("Int64").to_numpy()
    out["previous_heat"] = week["previous_heat"].to_numpy()
    out["status"] = week["status"].to_numpy()
    out["stalled"] = week["stalled"].astype(bool).to_numpy()
    out["lagging"] = week["lagging"].to_numpy()
    out["reasons"] = week["reasons"].to_numpy()
    out["reason_details"] = week["reason_details"].to_numpy()
    out["severity"] = week["severity"].to_numpy()
    for reason in flags_mod.REASONS:
        out[reason] = week[reason].astype(bool).to_numpy()
    return out.reset_index(drop=True)


def _coverage(week: pd.DataFrame, prev: pd.DataFrame | None) -> dict[str, Any]:
    expected = len(week)
    reported = int(week["reported"].sum())
    rate = reported / expected if expected else None
    previous_rate = None
    if prev is not None and len(prev):
        previous_rate = float(prev["reported"].sum()) / len(prev)
    return {
        "expected": expected,
        "reported": reported,
        "rate": rate,
        "previous_rate": previous_rate,
    }


def _totals(week: pd.DataFrame, prev: pd.DataFrame | None) -> pd.DataFrame:
    return _totals_of(metrics.totals(week), metrics.totals(prev) if prev is not None else None)


def _totals_of(now: Mapping[str, Any], before: Mapping[str, Any] | None) -> pd.DataFrame:
    """The totals table from Σ of each indicator this week and last (``metrics.totals``)."""
    rows = []
    for ind in INDICATORS:
        value = now[ind.code]
        change = None
        if before is not None and not pd.isna(value) and not pd.isna(before[ind.code]):
            change = float(value - before[ind.code])
        rows.append(
            {
                "code": ind.code,
                "label": ind.label,
                "unit": ind.unit,
                "value": None if pd.isna(value) else float(value),
                "change": change,
            }
        )
    return pd.DataFrame(rows)


def _rates(week: pd.DataFrame, prev: pd.DataFrame | None) -> pd.DataFrame:
    now = metrics.rate_values(week)
    before = metrics.rate_values(prev) if prev is not None and len(prev) else {}
    return _rates_of(now, before)


def _rates_of(now: Mapping[str, float | None], before: Mapping[str, float | None]) -> pd.DataFrame:
    """The rates table from this week's and last week's ``metrics.rate_values``."""
    labels = {r.code: r.label for r in RATES}
    labels[READING_COVERAGE[0]] = READING_COVERAGE[1]
    rows = []
    for code, label in labels.items():
        value = now.get(code)
        previous = before.get(code)
        change = value - previous if value is not None and previous is not None else None
        rows.append(
            {"code": code, "label": label, "value": value, "previous": previous, "change": change}
        )
    return pd.DataFrame(rows)


def levels_table(week: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Per level: name, units, reported, mean_heat and closure_rate of ``week``'s rows.
    ``by``: a column naming groups (each scope of a long frame holding every scope's
    units): every group's table at once, indexed by (group, level), each group's rows equal
    to its table alone."""
    if week.empty:
        return pd.DataFrame(
            columns=["level", "name", "units", "reported", "mean_heat", "closure_rate"]
        )
    keys: str | list[str] = "level" if by is None else [by, "level"]
    reported = week[week["reported"]]
    found = reported.groupby(keys)[f"cur_{PROBLEMS_FOUND}"].sum().astype("float64")
    closed = reported.groupby(keys)[f"cur_{PROBLEMS_CLOSED}"].sum().astype("float64")
    grouped = week.groupby(keys, sort=True)
    out = pd.DataFrame(
        {
            "name": grouped["level_name"].first(),
            "units": grouped.size(),
            "reported": grouped["reported"].sum().astype("int64"),
            "mean_heat": gradient.group_mean(week["heat"], _keys(week, keys))
            .astype("float64")
            .round(1),
        }
    )
    ratio = (closed / found).where(found > 0)
    out["closure_rate"] = ratio.reindex(out.index)
    if by is not None:
        return out
    out = out.reset_index()
    out["level"] = out["level"].astype("int64")
    return out


def _keys(frame: pd.DataFrame, keys: str | list[str]) -> pd.Series | list[pd.Series]:
    return frame[keys] if isinstance(keys, str) else [frame[k] for k in keys]


def _lagging(table: pd.DataFrame) -> pd.DataFrame:
    """Lagging units with reasons (list), details (list), severity and one bool column per
    reason, the most severe first (ties: the coldest, then registry order)."""
    rows = table.iloc[_lagging_rows(table)]
    out = pd.DataFrame(
        {
            "unit_code": rows["code"].to_numpy(),
            "name": rows["name"].to_numpy(),
            "level": rows["level"].to_numpy(),
            "level_name": rows["level_name"].to_numpy(),
            "parent_name": rows["parent_name"].to_numpy(),
            "heat": rows["heat"].to_numpy(),
            "rank": rows["rank"].to_numpy(),
            "pool": rows["pool"].to_numpy(),
            "reasons": rows["reasons"].to_numpy(),
            "details": rows["reason_details"].to_numpy(),
            "severity": rows["severity"].to_numpy(),
        }
    )
    for reason in flags_mod.REASONS:
        out[reason] = rows[reason].to_numpy()
    return out


def _lagging_rows(table: pd.DataFrame) -> np.ndarray:
    """Positions of ``table``'s lagging rows, the most severe first (ties: the coldest, then
    registry order)."""
    lagging = np.flatnonzero(table["lagging"].to_numpy(dtype=bool))
    rows = table.iloc[lagging]
    order = np.lexsort(
        (
            np.arange(len(rows)),
            rows["heat"].astype("float64").fillna(-1.0).to_numpy(),
            -rows["severity"].astype("float64").to_numpy(),
        )
    )
    return lagging[order]


HISTORY_COLUMNS: list[str] = [
    "unit_code",
    "name",
    "level",
    "level_name",
    "category",
    "parent_code",
    "report_date",
    "reported",
    "stalled",
    "missing_weeks",
    *metrics.CUR,
    *metrics.INC,
    *metrics.RATE_CODES,
    "has_reading",
    "heat",
    *heat.COMP_COLUMNS,
    "pool",
    "rank",
    "pool_size",
    "status",
]


def history(
    units: pd.DataFrame,
    figures: pd.DataFrame,
    settings: Settings,
    until: dt.date | None = None,
    scope: str | None = None,
    by_category: bool = False,
    unit_codes: list[str] | None = None,
    weeks: int | None = None,
    all_dates: list[dt.date] | None = None,
    with_heat: bool = True,
) -> pd.DataFrame:
    """The last ``weeks`` report weeks up to ``until`` (all when None) for the units in scope
    (or ``unit_codes``): carried figures, increments, rates, heat and rank (ranks within
    city-wide pools).  ``with_heat=False`` skips the heat columns (cheaper)."""
    city = city_history(units, figures, settings, until, by_category, weeks, all_dates, with_heat)
    return cut_history(city, settings, scope, unit_codes)


@dataclass(frozen=True)
class CityHistory:
    """Every unit's heat panel over a span of weeks (what ``history`` cuts a scope from);
    read only."""

    attrs: pd.DataFrame
    panel: pd.DataFrame
    tree: UnitTree | None = None  # attrs's tree: each cut finds its scope's units in it


def city_history(
    units: pd.DataFrame,
    figures: pd.DataFrame,
    settings: Settings,
    until: dt.date | None = None,
    by_category: bool = False,
    weeks: int | None = None,
    all_dates: list[dt.date] | None = None,
    with_heat: bool = True,
) -> CityHistory:
    """The last ``weeks`` report weeks of every unit (see ``history``), before any cut."""
    attrs = _unit_attributes(units, settings)
    until, dates = _dates_upto(figures, until, all_dates)
    window = dates[-weeks:] if weeks else dates
    panel = heat_panel(
        units, figures, settings, window, by_category, None, dates, attrs=attrs, with_heat=with_heat
    )
    return CityHistory(attrs, panel, UnitTree(attrs))


def cut_history(
    city: CityHistory,
    settings: Settings,
    scope: str | None = None,
    unit_codes: list[str] | None = None,
) -> pd.DataFrame:
    """The rows of ``scope`` (or ``unit_codes``) from every unit's history."""
    panel = city.panel
    if unit_codes is not None:
        panel = panel[panel["unit_code"].isin(unit_codes)]
    elif scope is not None:
        codes, _, _ = _scope(city.attrs, scope, settings, city.tree)
        panel = panel[panel["unit_code"].isin(codes)]
    columns = [c for c in HISTORY_COLUMNS if c in panel.columns]
    return panel[columns].reset_index(drop=True)


@dataclass(frozen=True)
class CityIndicators:
    """Every visible unit's carried values of a few indicators over a span of weeks, with its
    level (what ``cut_indicator_trends`` cuts a scope from); read only."""

    attrs: pd.DataFrame
    panel: pd.DataFrame
    tree: UnitTree | None = None  # attrs's tree: each cut finds its scope's units in it


def city_indicators(
    units: pd.DataFrame,
    figures: pd.DataFrame,
    indicators: list[str],
    until: dt.date | None = None,
    weeks: int | None = None,
    all_dates: list[dt.date] | None = None,
) -> CityIndicators:
    """Carried values of ``indicators`` for every unit over the last ``weeks`` report weeks."""
    attrs = metrics.expected_units(units)  # codes, levels and the tree are all it needs
    attrs = attrs.assign(code=np.asarray(attrs["code"].astype(str), dtype=object))
    until, dates = _dates_upto(figures, until, all_dates)
    window = dates[-weeks:] if weeks else dates
    values = metrics.carried_values(attrs, figures, window, indicators)
    levels = attrs.set_index("code")["level"]
    values["level"] = values["unit_code"].map(levels).astype("int64")
    return CityIndicators(attrs, values, UnitTree(attrs))


def cut_indicator_trends(
    city: CityIndicators, settings: Settings, indicators: list[str], scope: str | None = None
) -> pd.DataFrame:
    """Per report week × level: units and Σ carried value of each of ``indicators``
    (cur_<code>) within ``scope``."""
    values = city.panel
    if scope is not None:
        codes, _, _ = _scope(city.attrs, scope, settings, city.tree)
        values = values[values["unit_code"].isin(codes)]
    grouped = values.groupby(["report_date", "level"], sort=True)
    out = grouped[[f"cur_{c}" for c in indicators]].sum(min_count=1)
    out["units"] = grouped.size()
    return out.reset_index()


def indicator_trends(
    units: pd.DataFrame,
    figures: pd.DataFrame,
    settings: Settings,
    indicators: list[str],
    until: dt.date | None = None,
    scope: str | None = None,
    weeks: int | None = None,
    all_dates: list[dt.date] | None = None,
) -> pd.DataFrame:
    """Per report week × level: units and Σ carried value of each of ``indicators``
    (cur_<code>) — the same sums as ``level_trends`` for those columns, without the rest of
    the measures (the lean path behind the 趋势 page's indicator lines)."""
    city = city_indicators(units, figures, indicators, until, weeks, all_dates)
    return cut_indicator_trends(city, settings, indicators, scope)


def level_trends(hist: pd.DataFrame) -> pd.DataFrame:
    """Per report week × level: units, reported, coverage, mean_heat, stalled and Σ carried
    figures (cur_*) — the 趋势 page's lines."""
    if hist.empty:
        return pd.DataFrame(columns=["report_date", "level", "units", "reported", "coverage"])
    grouped = hist.groupby(["report_date", "level"], sort=True)
    out = grouped[metrics.CUR].sum(min_count=1)
    out["units"] = grouped.size()
    out["reported"] = grouped["reported"].sum().astype("int64")
    out["coverage"] = out["reported"] / out["units"]
    if "heat" in hist.columns:
        out["mean_heat"] = grouped["heat"].mean().round(1)
    out["stalled"] = grouped["stalled"].sum().astype("int64")
    closed = out[f"cur_{PROBLEMS_CLOSED}"]
    found = out[f"cur_{PROBLEMS_FOUND}"]
    out["closure_rate"] = (closed / found).where(found > 0)
    return out.reset_index()


def projection(
    series: pd.Series, end_date: dt.date, weeks: int = metrics.PACE_WEEKS
) -> pd.DataFrame:
    """Straight-line projection of a cumulative series (index = report days) to ``end_date``
    at the average weekly pace of its last ``weeks`` report weeks.  Columns report_date,
    value; empty when there is too little history or the end date has passed."""
    data = series.dropna().sort_index()
    if len(data) < 2:
        return pd.DataFrame(columns=["report_date", "value"])
    last_day = metrics.to_date(data.index[-1])
    if end_date <= last_day:
        return pd.DataFrame(columns=["report_date", "value"])
    k = min(weeks, len(data) - 1)
    first_day = metrics.to_date(data.index[-1 - k])
    span_weeks = (last_day - first_day).days / 7.0
    pace = (float(data.iloc[-1]) - float(data.iloc[-1 - k])) / span_weeks if span_weeks else 0.0
    ahead = (end_date - last_day).days / 7.0
    return pd.DataFrame(
        {
            "report_date": pd.to_datetime([last_day, end_date]),
            "value": [float(data.iloc[-1]), float(data.iloc[-1]) + max(pace, 0.0) * ahead],
        }
    )


def narrow(rep: WeekReport, units: pd.DataFrame, settings: Settings) -> WeekReport:
    """The same week cut to a subset of its unit rows (a level or category filter).

    Units, coverage, levels, subtrees, lagging, not_reported and stalled are recomputed from
    the rows (cheap, vectorised); totals, rates and findings stay those of the whole scope.
    Heat and ranks are unchanged (they are city-wide).
    """
    if len(units) == len(rep.units):
        return rep
    coverage = {
        "expected": len(units),
        "reported": int(units["reported"].sum()),
        "rate": float(units["reported"].mean()) if len(units) else None,
        "previous_rate": None,
    }
    roots = units.set_index("code")["root_l2"]
    if rep.scope_code is not None and not rep.subtrees.empty and len(rep.subtrees) == 1:
        roots = pd.Series(rep.subtrees["code"].iloc[0], index=units["code"])
    names = dict(zip(rep.units["code"], rep.units["name"], strict=True))
    return WeekReport(
        report_date=rep.report_date,
        previous_date=rep.previous_date,
        scope_code=rep.scope_code,
        scope_name=rep.scope_name,
        units=units,
        coverage=coverage,
        totals=rep.totals,
        rates=rep.rates,
        levels=levels_table(units),
        subtrees=gradient.subtrees(
            units,
            roots,
            names,
            settings,
            rep.level_stats if len(rep.level_stats) else None,
            rep.level_names,
            rep.reference_area,
        ),
        lagging=_lagging(units),
        not_reported=units.loc[~units["reported"], "code"].tolist(),
        stalled=units.loc[units["stalled"], "code"].tolist(),
        findings=rep.findings,
        dates=rep.dates,
        level_names=rep.level_names,
        by_category=rep.by_category,
        city_pattern=gradient.city_pattern(gradient.level_stats(units), settings),
        level_stats=rep.level_stats,
        reference_area=rep.reference_area,
    )
