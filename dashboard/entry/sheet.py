"""What the 填报 and 审核 pages show, computed without Streamlit: a unit's grid of figures
beside last week's, the review grid of units × status with counts by subtree, and 按时报送率.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from dashboard.core.catalogue import INDICATOR_CODES, indicator
from dashboard.core.units import UnitTree
from dashboard.entry import entries, rules, status
from dashboard.entry.status import TaskInfo
from dashboard.store import repo

__all__ = [
    "Sheet",
    "Timeliness",
    "WeekStatus",
    "entry_sheet",
    "prev_column",
    "review_grid",
    "status_counts",
    "timeliness",
    "cell_reason_text",
    "overdue_units",
    "week_status",
]


def prev_column(code: str) -> str:
    """The grid's column of last week's value beside indicator ``code``."""
    return f"{code}__prev"


@dataclass(frozen=True)
class Sheet:
    """The units one actor enters for a task: one row each (unit_code, unit_name, label,
    status, version, one column per indicator as last saved, one ``prev_column`` each), and
    the 退回 reasons of returned units (unit code → (reason, indicator code → reason))."""

    task: TaskInfo
    rows: pd.DataFrame
    returned: dict[str, tuple[str, dict[str, str]]]

    @property
    def versions(self) -> dict[str, int]:
        return dict(zip(self.rows["unit_code"], self.rows["version"].astype(int), strict=True))


def entry_sheet(
    engine: Engine, task: TaskInfo, actor: entries.Actor, now: dt.datetime | None = None
) -> Sheet:
    units = repo.load_units(engine)
    codes = entries.enterable_units(units, actor)
    state = status.entry_status(engine, task.report_date, now=now).set_index("unit_code")
    codes = [c for c in codes if c in state.index]
    saved = entries.load_entries(engine, task.id, codes)
    previous = rules.previous_week(engine, task.report_date, codes)
    rows = []
    for code in codes:
        entry = saved.get(code)
        row: dict[str, object] = {
            "unit_code": code,
            "unit_name": state.at[code, "unit_name"],
            "status": state.at[code, "status"],
            "label": _label(state.at[code, "label"], entry),
            "version": entry.version if entry else 0,
        }
        for ind in INDICATOR_CODES:
            row[ind] = entry.figures.get(ind) if entry else None
            row[prev_column(ind)] = previous.get(code, {}).get(ind)
        rows.append(row)
    columns = ["unit_code", "unit_name", "status", "label", "version"]
    columns += [c for ind in INDICATOR_CODES for c in (ind, prev_column(ind))]
    frame = pd.DataFrame(rows, columns=columns)
    for ind in INDICATOR_CODES:
        frame[ind] = frame[ind].astype("Int64")
        frame[prev_column(ind)] = frame[prev_column(ind)].astype("Int64")
    returned = {
        code: (entry.return_reason or "", entry.cell_reasons)
        for code, entry in saved.items()
        if entry.status == "returned"
    }
    return Sheet(task, frame, returned)


def _label(label: str, entry: entries.Entry | None) -> str:
    if entry is not None and entry.status == "pending":
        return f"{label}（修改待批准）"
    return label


def cell_reason_text(cell_reasons: dict[str, str]) -> list[str]:
    """'指标：原因' lines of a return's cell reasons, in catalogue order."""
    return [
        f"{indicator(code).label}：{text}"
        for code, text in sorted(
            cell_reasons.items(),
            key=lambda kv: INDICATOR_CODES.index(kv[0]) if kv[0] in INDICATOR_CODES else 99,
        )
        if code in INDICATOR_CODES
    ]


def review_grid(
    engine: Engine,
    task: TaskInfo,
    codes: Sequence[str] | None = None,
    now: dt.datetime | None = None,
) -> pd.DataFrame:
    """Units × status for the review page: the status columns plus ``subtree`` (the level-2
    unit a unit belongs to, its name), ``forwarded_by`` (多级上报) and ``pending`` (a late
    change waiting for the office)."""
    grid = status.entry_status(engine, task.report_date, now=now)
    if codes is not None:
        grid = grid[grid["unit_code"].isin(set(codes))].reset_index(drop=True)
    units = repo.load_units(engine)
    tree = UnitTree(units)
    names = tree.names()
    top = tree.ancestor_at_level(2)
    grid["subtree"] = [
        names.get(str(top.get(code)), "市本级") if top.get(code) else "市本级"
        for code in grid["unit_code"]
    ]
    sent = entries.forwarded(engine, task.id)
    grid["forwarded_by"] = [sent.get(code, ("", None))[0] for code in grid["unit_code"]]
    saved = entries.load_entries(engine, task.id)
    grid["pending"] = [
        code in saved and saved[code].status == "pending" for code in grid["unit_code"]
    ]
    grid["return_reason"] = [
        saved[code].return_reason if code in saved and saved[code].status == "returned" else ""
        for code in grid["unit_code"]
    ]
    return grid


def status_counts(grid: pd.DataFrame) -> pd.DataFrame:
    """Counts of each status by subtree (rows) with a 合计 row, Chinese column names."""
    table = pd.crosstab(grid["subtree"], grid["status"]).reindex(
        columns=list(status.STATUS_ORDER), fill_value=0
    )
    order = list(dict.fromkeys(grid["subtree"]))
    table = table.reindex(order)
    table.loc["合计"] = table.sum()
    table.columns = [status.STATUS_LABELS[c] for c in table.columns]
    table.index.name = "所属系统"
    return table.reset_index()


@dataclass(frozen=True)
class Timeliness:
    """按时报送率 of a week: units that reported by the deadline / units expected."""

    expected: int
    on_time: int
    late: int
    overdue: int  # past the deadline with nothing reported
    deadline: dt.datetime

    @property
    def rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


@dataclass(frozen=True)
class WeekStatus:
    """A week's 填报 task and every unit's entry status (``status.STATUS_COLUMNS``), read
    once: the week's overdue units and each scope's 按时报送率 are counted from it."""

    task: TaskInfo
    grid: pd.DataFrame

    def timeliness(self, codes: Collection[str] | None = None) -> Timeliness:
        """按时报送率 of the units in ``codes`` (all when None)."""
        grid = self.grid
        if codes is not None:
            grid = grid[grid["unit_code"].isin(set(codes))]
        counts = grid["status"].value_counts()
        return Timeliness(
            expected=len(grid),
            on_time=int(counts.get("submitted", 0)),
            late=int(counts.get("late", 0)),
            overdue=int(counts.get("overdue", 0)),
            deadline=self.task.deadline,
        )

    def overdue(self, now: dt.datetime) -> list[str]:
        """Units still 逾期未报 (or 已退回 past the deadline) at ``now``."""
        grid = self.grid
        late_return = (grid["status"] == "returned") & (now > self.task.deadline)
        return [str(c) for c in grid.loc[(grid["status"] == "overdue") | late_return, "unit_code"]]


def week_status(
    engine: Engine, report_date: dt.date, now: dt.datetime | None = None
) -> WeekStatus | None:
    """The week's task and entry status grid (None: no 填报 task that week)."""
    task = status.task_for(engine, report_date)
    if task is None:
        return None
    return WeekStatus(task, status.entry_status(engine, report_date, now=now))


def timeliness(
    engine: Engine,
    report_date: dt.date,
    codes: Sequence[str] | None = None,
    now: dt.datetime | None = None,
) -> Timeliness | None:
    """None when no 填报 task was opened for the week (no deadline to be on time for)."""
    found = week_status(engine, report_date, now)
    return found.timeliness(codes) if found is not None else None


def overdue_units(
    engine: Engine, report_date: dt.date, now: dt.datetime | None = None
) -> list[str]:
    """Units still 逾期未报 (or 已退回 past the deadline) for the week: a lagging reason."""
    found = week_status(engine, report_date, now)
    if found is None:
        return []
    return found.overdue(now or dt.datetime.now(dt.UTC))
