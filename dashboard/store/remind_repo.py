"""催报 storage: who has figures for a week, the reminder log, in-app notices, the lease.

The reminders table keeps every attempt. A send is *claimed* first (a row with status
``sending``); for the scheduler's slots the unique index (slot, channel, recipient) makes the
claim the only way in, so two processes, or a process restarted after a crash, never send one
slot twice. The claim is then finished as ``sent`` or ``failed`` with the error; a row left at
``sending`` says a process stopped mid-send (shown as 发送中断, never silently retried).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from dashboard.store.schema import (
    fill_tasks,
    leases,
    notices,
    reminders,
    users,
)

__all__ = [
    "CHANNEL_ZH",
    "LOG_COLUMNS",
    "STATUS_ZH",
    "Account",
    "Task",
    "add_notice",
    "any_tasks",
    "claim",
    "enabled_accounts",
    "finish",
    "lease_holder",
    "load_log",
    "mark_read",
    "open_tasks",
    "release_lease",
    "take_lease",
    "task_for",
    "unread_notices",
]

STATUS_ZH = {"sent": "已发送", "failed": "发送失败", "sending": "发送中断"}
CHANNEL_ZH = {
    "notice": "站内通知",
    "wecom": "企业微信",
    "dingtalk": "钉钉",
    "email": "电子邮件",
    "copy": "复制消息",
}
LOG_COLUMNS = [
    "id",
    "at",
    "actor",
    "channel",
    "recipient",
    "unit_codes",
    "message",
    "status",
    "error",
    "slot",
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes: they were stored in UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _new_id(result: Any) -> int:
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an autoincrement id
        raise RuntimeError("insert returned no primary key")
    return int(key[0])


# --- who has reported -------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    id: int | None  # None: no 填报 task for the week (a deadline from the settings)
    report_date: dt.date
    deadline: dt.datetime
    scope_code: str | None


def task_for(engine: Engine, report_date: dt.date) -> Task | None:
    query = select(
        fill_tasks.c.id, fill_tasks.c.report_date, fill_tasks.c.deadline, fill_tasks.c.scope_code
    ).where(fill_tasks.c.report_date == report_date)
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return Task(int(row.id), row.report_date, _aware(row.deadline) or _now(), row.scope_code)


def open_tasks(engine: Engine, since: dt.datetime, until: dt.datetime) -> list[Task]:
    """Tasks not closed whose deadline lies between ``since`` and ``until``."""
    query = (
        select(
            fill_tasks.c.id,
            fill_tasks.c.report_date,
            fill_tasks.c.deadline,
            fill_tasks.c.scope_code,
        )
        .where(
            fill_tasks.c.closed_at.is_(None),
            fill_tasks.c.deadline >= since,
            fill_tasks.c.deadline <= until,
        )
        .order_by(fill_tasks.c.report_date)
    )
    with engine.connect() as conn:
        return [
            Task(int(r.id), r.report_date, _aware(r.deadline) or _now(), r.scope_code)
            for r in conn.execute(query)
        ]


def any_tasks(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(fill_tasks.c.id).limit(1)).first() is not None


# --- accounts as recipients ---------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    scope_code: str | None
    email: str | None


def enabled_accounts(engine: Engine) -> list[Account]:
    query = select(users.c.name, users.c.role, users.c.scope_code, users.c.email).where(
        users.c.disabled.is_(False)
    )
    with engine.connect() as conn:
        return [Account(r.name, r.role, r.scope_code, r.email) for r in conn.execute(query)]


# --- the reminder log ---------------------------------------------------------------------


def claim(
    engine: Engine,
    *,
    task_id: int | None,
    actor: str,
    channel: str,
    recipient: str,
    unit_codes: list[str],
    message: str,
    slot: str | None = None,
) -> int | None:
    """Record a send about to happen; None when the slot was taken for this channel and
    recipient already (another process, or before a restart)."""
    values = {
        "task_id": task_id,
        "at": _now(),
        "actor": actor[:64],
        "channel": channel,
        "recipient": recipient[:255],
        "unit_codes": unit_codes,
        "message": message,
        "status": "sending",
        "slot": slot,
    }
    try:
        with engine.begin() as conn:
            return _new_id(conn.execute(insert(reminders).values(**values)))
    except IntegrityError:
        if slot is None:
            raise
        return None


def finish(engine: Engine, reminder_id: int, error: str | None) -> None:
    """The outcome of a claimed send: sent (no error) or failed with the error."""
    with engine.begin() as conn:
        conn.execute(
            update(reminders)
            .where(reminders.c.id == reminder_id)
            .values(status="failed" if error else "sent", error=error)
        )


def load_log(
    engine: Engine,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    channels: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """The reminder log, newest first."""
    query = select(*[reminders.c[name] for name in LOG_COLUMNS]).order_by(reminders.c.id.desc())
    if since is not None:
        query = query.where(reminders.c.at >= since)
    if until is not None:
        query = query.where(reminders.c.at < until)
    if channels is not None:
        query = query.where(reminders.c.channel.in_(list(channels)))
    if statuses is not None:
        query = query.where(reminders.c.status.in_(list(statuses)))
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit)).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=LOG_COLUMNS)
    frame["at"] = [_aware(v) for v in frame["at"]]
    frame["unit_codes"] = [list(v or []) for v in frame["unit_codes"]]
    return frame


# --- in-app notices -----------------------------------------------------------------------


def add_notice(
    engine: Engine,
    user_name: str,
    message: str,
    *,
    task_id: int | None = None,
    unit_code: str | None = None,
) -> int:
    with engine.begin() as conn:
        result = conn.execute(
            insert(notices).values(
                user_name=user_name,
                unit_code=unit_code,
                task_id=task_id,
                message=message,
                created_at=_now(),
            )
        )
        return _new_id(result)


def unread_notices(engine: Engine, user_name: str, scope_code: str | None = None) -> pd.DataFrame:
    """id, message, created_at of the notices for ``user_name`` (or its unit) not yet read."""
    whom = notices.c.user_name == user_name
    if scope_code:
        whom = or_(whom, and_(notices.c.user_name.is_(None), notices.c.unit_code == scope_code))
    query = (
        select(notices.c.id, notices.c.message, notices.c.created_at)
        .where(whom, notices.c.read_at.is_(None))
        .order_by(notices.c.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(
        {
            "id": [int(r.id) for r in rows],
            "message": [r.message for r in rows],
            "created_at": [_aware(r.created_at) for r in rows],
        }
    )


def mark_read(engine: Engine, notice_ids: Iterable[int], user_name: str) -> int:
    """Mark notices read; only the reader's own (or its unit's) can be marked."""
    ids = [int(i) for i in notice_ids]
    if not ids:
        return 0
    with engine.begin() as conn:
        result = conn.execute(
            update(notices)
            .where(
                notices.c.id.in_(ids),
                notices.c.read_at.is_(None),
                or_(notices.c.user_name == user_name, notices.c.user_name.is_(None)),
            )
            .values(read_at=_now())
        )
        return int(result.rowcount or 0)


# --- the scheduler's lease ----------------------------------------------------------------


def take_lease(engine: Engine, name: str, holder: str, ttl: dt.timedelta) -> bool:
    """Take or renew the lease ``name`` for ``holder``: True when ``holder`` holds it now.

    One UPDATE, conditional on the lease being ours or expired, decides between rivals
    (row locks on PostgreSQL, the write lock on SQLite); a first INSERT that loses to a
    rival's INSERT falls back to that UPDATE.
    """
    now = _now()
    values: dict[str, Any] = {"holder": holder[:128], "expires_at": now + ttl}
    for _attempt in range(2):
        with engine.begin() as conn:
            taken = conn.execute(
                update(leases)
                .where(
                    leases.c.name == name,
                    or_(leases.c.holder == holder, leases.c.expires_at < now),
                )
                .values(**values)
            ).rowcount
            if taken:
                return True
            if conn.execute(select(leases.c.name).where(leases.c.name == name)).first():
                return False
        try:
            with engine.begin() as conn:
                conn.execute(insert(leases).values(name=name, **values))
            return True
        except IntegrityError:
            continue
    return False


def release_lease(engine: Engine, name: str, holder: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(leases)
            .where(leases.c.name == name, leases.c.holder == holder)
            .values(expires_at=_now() - dt.timedelta(seconds=1))
        )


def lease_holder(engine: Engine, name: str) -> tuple[str, dt.datetime] | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)
        ).first()
    if row is None:
        return None
    return str(row.holder), _aware(row.expires_at) or _now()
