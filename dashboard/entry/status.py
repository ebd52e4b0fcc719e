"""Each unit's entry status for a report week: the one answer to "who has reported".

Statuses (code → Chinese): not_started 未开始, draft 草稿, submitted 已提交, returned 已退回,
overdue 逾期未报, late 逾期补报. A unit whose figures for the week came by upload (an
imported return) counts as submitted too — late when the upload landed after the task's
deadline — so the 催报 list is simply the units whose status is not submitted/late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Engine, select

from dashboard.core.units import UnitTree
from dashboard.store import repo
from dashboard.store.schema import figures, fill_entries, fill_tasks, imports

__all__ = [
    "DONE",
    "STATUS_LABELS",
    "STATUS_ORDER",
    "TaskInfo",
    "entry_status",
    "not_submitted",
    "task_for",
]

STATUS_LABELS: dict[str, str] = {
    "not_started": "未开始",
    "draft": "草稿",
    "submitted": "已提交",
    "returned": "已退回",
    "overdue": "逾期未报",
    "late": "逾期补报",
}
STATUS_ORDER: tuple[str, ...] = tuple(STATUS_LABELS)
DONE: frozenset[str] = frozenset({"submitted", "late"})  # reported: not on the 催报 list

STATUS_COLUMNS = [
    "unit_code",
    "unit_name",
    "parent_code",
    "level",
    "status",
    "label",
    "source",
    "submitted_at",
    "submitted_by",
    "version",
]


@dataclass(frozen=True)
class TaskInfo:
    """A week's 填报 task as the status reads it."""

    id: int
    report_date: dt.date
    scope_code: str | None
    opens_at: dt.datetime
    deadline: dt.datetime
    allow_late: bool
    auto: bool
    closed_at: dt.datetime | None


def task_for(engine_or_conn: Engine | Connection, report_date: dt.date) -> TaskInfo | None:
    """The task of ``report_date`` (one per report day), or None when none was opened."""
    query = select(
        fill_tasks.c.id,
        fill_tasks.c.report_date,
        fill_tasks.c.scope_code,
        fill_tasks.c.opens_at,
        fill_tasks.c.deadline,
        fill_tasks.c.allow_late,
        fill_tasks.c.auto,
        fill_tasks.c.closed_at,
    ).where(fill_tasks.c.report_date == report_date)
    if isinstance(engine_or_conn, Connection):
        row = engine_or_conn.execute(query).first()
    else:
        with engine_or_conn.connect() as conn:
            row = conn.execute(query).first()
    if row is None:
        return None
    return TaskInfo(
        int(row.id),
        row.report_date,
        row.scope_code,
        _aware(row.opens_at),
        _aware(row.deadline),
        bool(row.allow_late),
        bool(row.auto),
        _aware(row.closed_at) if row.closed_at is not None else None,
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands timestamps back naive; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def entry_status(
    engine: Engine,
    report_date: dt.date,
    scope_code: str | None = None,
    now: dt.datetime | None = None,
) -> pd.DataFrame:
    """One row per active unit in scope (``scope_code``'s subtree, else the task's scope,
    else every unit), in registry order, with columns ``STATUS_COLUMNS``.

    ``source`` is 'online' (an entry), 'upload' (figures from an imported return) or ''.
    Units with neither are 未开始, or 逾期未报 once the task's deadline has passed (``now``,
    default the current time). Without a task there is no deadline: nobody is overdue or late.
    """
    now = now or dt.datetime.now(dt.UTC)
    units = repo.load_units(engine)
    task = task_for(engine, report_date)
    scope = scope_code or (task.scope_code if task else None)
    if scope is not None and scope in set(units["code"]):
        codes = set(UnitTree(units).subtree(scope))
        units = units[units["code"].isin(codes)].reset_index(drop=True)
    with engine.connect() as conn:
        entries = _entries(conn, task.id) if task else {}
        uploads = _uploads(conn, report_date)
    deadline = task.deadline if task else None
    rows = []
    for code, name, parent, level in zip(
        units["code"], units["name"], units["parent_code"], units["level"], strict=True
    ):
        status, source, at, by, version = _one(entries.get(code), uploads.get(code), deadline, now)
        rows.append(
            (code, name, parent, int(level), status, STATUS_LABELS[status], source, at, by, version)
        )
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def not_submitted(
    engine: Engine,
    report_date: dt.date,
    scope_code: str | None = None,
    now: dt.datetime | None = None,
) -> list[str]:
    """The codes of units in scope that have not reported this week (the 催报 list)."""
    frame = entry_status(engine, report_date, scope_code, now)
    return [str(c) for c in frame.loc[~frame["status"].isin(DONE), "unit_code"]]


_EntryRow = tuple[str, dt.datetime | None, str | None, int]  # status, at, by, version
_UploadRow = tuple[dt.datetime, str]


def _entries(conn: Connection, task_id: int) -> dict[str, _EntryRow]:
    query = (
        select(
            fill_entries.c.unit_code,
            fill_entries.c.status,
            fill_entries.c.submitted_at,
            fill_entries.c.submitted_by,
            fill_entries.c.version,
            fill_entries.c.late,
            imports.c.status,
        )
        .outerjoin(imports, imports.c.id == fill_entries.c.import_id)
        .where(fill_entries.c.task_id == task_id)
    )
    out: dict[str, _EntryRow] = {}
    for code, status, at, by, version, late, import_status in conn.execute(query):
        if status == "pending":  # a late change awaits the office: the figures sent stand
            status = "submitted"
        if status == "submitted" and import_status not in (None, "imported"):
            status = "draft"  # its figures were withdrawn (导入记录 → 撤销): not reported
        elif status == "submitted" and late:
            status = "late"
        out[str(code)] = (status, _aware(at) if at else None, by, int(version))
    return out


def _uploads(conn: Connection, report_date: dt.date) -> dict[str, _UploadRow]:
    """Units with current figures on ``report_date`` from an upload (not an online entry's
    own import): when the import landed and who uploaded it."""
    online = select(fill_entries.c.import_id).where(fill_entries.c.import_id.is_not(None))
    query = (
        select(figures.c.unit_code, imports.c.uploaded_at, imports.c.uploaded_by)
        .join(imports, imports.c.id == figures.c.import_id)
        .where(
            figures.c.report_date == report_date,
            figures.c.is_current.is_(True),
            figures.c.import_id.not_in(online),
        )
    )
    return {str(code): (_aware(at), by or "") for code, at, by in conn.execute(query)}


def _one(
    entry: _EntryRow | None,
    upload: _UploadRow | None,
    deadline: dt.datetime | None,
    now: dt.datetime,
) -> tuple[str, str, dt.datetime | None, str | None, int]:
    """(status, source, submitted_at, submitted_by, version) of one unit."""
    version = entry[3] if entry else 0
    if entry is not None and entry[0] in DONE:
        return entry[0], "online", entry[1], entry[2], version
    if upload is not None and (entry is None or entry[0] != "returned"):
        at, by = upload
        late = deadline is not None and at > deadline
        return ("late" if late else "submitted"), "upload", at, by, version
    if entry is not None and entry[0] == "returned":
        return "returned", "online", entry[1], entry[2], version
    past = deadline is not None and now > deadline
    if past:
        return "overdue", "online" if entry else "", None, None, version
    if entry is not None:
        return "draft", "online", None, None, version
    return "not_started", "", None, None, version
