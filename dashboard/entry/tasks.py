"""填报 tasks: one per report week, opened by the office or created automatically.

Deadlines are set in Beijing time (the office's clock) and stored in UTC. The deadline is
the first ``fill_deadline_weekday`` on or after the report day, at ``fill_deadline_hour``;
the task opens ``fill_open_days`` days before that day, at midnight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from dashboard.core.periods import report_day_for
from dashboard.entry.errors import EntryError
from dashboard.entry.status import TaskInfo, task_for
from dashboard.store import audit_repo, repo
from dashboard.store.schema import fill_tasks

__all__ = [
    "OFFICE_TZ",
    "current_report_date",
    "default_times",
    "ensure_auto_task",
    "list_tasks",
    "open_task",
    "update_task",
]

OFFICE_TZ = ZoneInfo("Asia/Shanghai")


def current_report_date(settings: Mapping[str, Any], today: dt.date | None = None) -> dt.date:
    """The report day of the week ``today`` (Beijing date) belongs to."""
    today = today or dt.datetime.now(OFFICE_TZ).date()
    return report_day_for(today, int(settings["report_weekday"]))


def default_times(
    report_date: dt.date, settings: Mapping[str, Any]
) -> tuple[dt.datetime, dt.datetime]:
    """(opens_at, deadline) of a report day's task from the settings, both aware (UTC)."""
    day = report_day_for(report_date, int(settings["fill_deadline_weekday"]))
    hour = min(max(int(settings["fill_deadline_hour"]), 0), 23)
    deadline = dt.datetime.combine(day, dt.time(hour), OFFICE_TZ)
    first = day - dt.timedelta(days=max(int(settings["fill_open_days"]), 0))
    opens = dt.datetime.combine(first, dt.time(0), OFFICE_TZ)
    return opens.astimezone(dt.UTC), deadline.astimezone(dt.UTC)


def open_task(
    engine: Engine,
    report_date: dt.date,
    *,
    scope_code: str | None = None,
    opens_at: dt.datetime | None = None,
    deadline: dt.datetime | None = None,
    allow_late: bool | None = None,
    actor: str = "",
    auto: bool = False,
) -> TaskInfo:
    """Open the task of ``report_date`` (times and late rule default to the settings).

    One task per report day: opening it twice is an EntryError naming the existing task.
    """
    settings = repo.get_settings(engine)
    day = report_day_for(report_date, int(settings["report_weekday"]))
    default_open, default_deadline = default_times(day, settings)
    opens_at = opens_at or default_open
    deadline = deadline or default_deadline
    if deadline <= opens_at:
        raise EntryError("截止时间早于开放时间：请把截止时间设在开放时间之后")
    late = "allow" in settings["fill_allow_late"] if allow_late is None else allow_late
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(fill_tasks).values(
                    report_date=day,
                    scope_code=scope_code,
                    opens_at=opens_at,
                    deadline=deadline,
                    allow_late=late,
                    auto=auto,
                    created_by=actor,
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
            detail = {"report_date": day.isoformat(), "scope": scope_code, "auto": auto}
            audit_repo.record(conn, "fill_task", user=actor or "自动创建", detail=detail)
    except IntegrityError:
        raise EntryError(
            f"{day.isoformat()} 这一周的填报任务已经存在：请在任务列表中修改它的时间"
        ) from None
    task = task_for(engine, day)
    assert task is not None
    return task


def ensure_auto_task(engine: Engine, now: dt.datetime | None = None) -> TaskInfo | None:
    """The current week's task, created from the settings when ``fill_auto`` is on and none
    exists yet; None when automatic tasks are off and nobody opened one."""
    now = now or dt.datetime.now(dt.UTC)
    settings = repo.get_settings(engine)
    day = current_report_date(settings, now.astimezone(OFFICE_TZ).date())
    task = task_for(engine, day)
    if task is not None or "auto" not in settings["fill_auto"]:
        return task
    try:
        return open_task(engine, day, auto=True, actor="")
    except EntryError:  # another session created it a moment ago
        return task_for(engine, day)


def update_task(
    engine: Engine,
    task_id: int,
    *,
    opens_at: dt.datetime | None = None,
    deadline: dt.datetime | None = None,
    allow_late: bool | None = None,
    closed: bool | None = None,
    actor: str = "",
) -> None:
    """Move a task's opening time or deadline, change its late rule, or close/reopen it.
    A deadline at or before the opening time is an EntryError and nothing changes."""
    values: dict[str, Any] = {}
    if opens_at is not None:
        values["opens_at"] = opens_at
    if deadline is not None:
        values["deadline"] = deadline
    if allow_late is not None:
        values["allow_late"] = allow_late
    if closed is not None:
        values["closed_at"] = dt.datetime.now(dt.UTC) if closed else None
    if not values:
        return
    with engine.begin() as conn:
        if opens_at is not None or deadline is not None:
            held = conn.execute(
                select(fill_tasks.c.opens_at, fill_tasks.c.deadline).where(
                    fill_tasks.c.id == task_id
                )
            ).one()
            start = _utc(opens_at or held.opens_at)
            end = _utc(deadline or held.deadline)
            if end <= start:
                raise EntryError("截止时间早于开放时间：请把截止时间设在开放时间之后")
        conn.execute(update(fill_tasks).where(fill_tasks.c.id == task_id).values(**values))
        detail: dict[str, Any] = {"task": task_id, "changed": sorted(values)}
        if closed is not None:
            detail["closed"] = closed
        audit_repo.record(conn, "fill_task", user=actor, detail=detail)


def _utc(moment: dt.datetime) -> dt.datetime:
    """A stored moment (SQLite keeps no time zone: UTC) or a given one, comparable."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def list_tasks(engine: Engine) -> pd.DataFrame:
    """Every task, newest report day first."""
    columns = [
        fill_tasks.c.id,
        fill_tasks.c.report_date,
        fill_tasks.c.scope_code,
        fill_tasks.c.opens_at,
        fill_tasks.c.deadline,
        fill_tasks.c.allow_late,
        fill_tasks.c.auto,
        fill_tasks.c.created_by,
        fill_tasks.c.closed_at,
    ]
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).order_by(fill_tasks.c.report_date.desc())).all()
    return pd.DataFrame(rows, columns=[c.name for c in columns])
