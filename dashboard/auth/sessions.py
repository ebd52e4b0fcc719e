"""Server-side sessions: the browser holds a random token, the database its sha256.

A session is valid while it is not revoked, not past its maximum age, not idle longer than
the idle timeout, its user is enabled and has not changed password since it began. Every
request checks this against the database, so sign-out, disabling a user, a password change
or a revocation ends the session on every app process at once.

The idle timeout and maximum age are settings (``session_idle_minutes``,
``session_max_hours``, edited by an admin on 设置); each process reads them at most every
``LIMITS_TTL`` seconds, so a change reaches every open session within that time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, and_, delete, func, insert, select, update

from dashboard.auth.accounts import USER_COLUMNS, User
from dashboard.core import settings as settings_def
from dashboard.store.schema import auth_failures, auth_sessions, settings, users

__all__ = [
    "IDLE_KEY",
    "IDLE_TIMEOUT",
    "LIMITS_TTL",
    "LOCK_AFTER_ADDRESS",
    "LOCK_AFTER_USER",
    "LOCK_WINDOW",
    "MAX_AGE",
    "MAX_KEY",
    "TOUCH_EVERY",
    "Limits",
    "Session",
    "check",
    "clear_failures",
    "current_time",
    "end",
    "failure_keys",
    "forget_limits",
    "is_locked",
    "limits",
    "open_sessions",
    "record_failure",
    "revoke_user",
    "start",
]

IDLE_KEY, MAX_KEY = "session_idle_minutes", "session_max_hours"
IDLE_TIMEOUT = dt.timedelta(minutes=settings_def.setting(IDLE_KEY).default)  # the defaults
MAX_AGE = dt.timedelta(hours=settings_def.setting(MAX_KEY).default)
LIMITS_TTL = 15.0  # seconds a process keeps the two settings before reading them again
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_seen is written at most this often
LOCK_WINDOW = dt.timedelta(minutes=15)
LOCK_AFTER_USER = 5  # failed sign-ins of one account within the window
LOCK_AFTER_ADDRESS = 20  # failed sign-ins from one address within the window


@dataclass(frozen=True)
class Session:
    user: User
    created_at: dt.datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def current_time() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # SQLite drops the zone


@dataclass(frozen=True)
class Limits:
    idle: dt.timedelta
    max_age: dt.timedelta


_LIMITS: dict[str, tuple[float, Limits]] = {}
_LIMITS_LOCK = threading.Lock()


def limits(engine: Engine) -> Limits:
    """The idle timeout and maximum age in force (the settings, or their defaults)."""
    key = engine.url.render_as_string(hide_password=True)
    now = time.monotonic()
    with _LIMITS_LOCK:
        cached = _LIMITS.get(key)
    if cached is not None and now - cached[0] < LIMITS_TTL:
        return cached[1]
    with engine.connect() as conn:
        stored = dict(
            conn.execute(
                select(settings.c.key, settings.c.value).where(
                    settings.c.key.in_([IDLE_KEY, MAX_KEY])
                )
            ).all()
        )
    found = Limits(
        idle=_within(stored.get(IDLE_KEY), IDLE_TIMEOUT, dt.timedelta(minutes=1), *_IDLE_RANGE),
        max_age=_within(stored.get(MAX_KEY), MAX_AGE, dt.timedelta(hours=1), *_MAX_RANGE),
    )
    with _LIMITS_LOCK:
        _LIMITS[key] = (now, found)
    return found


_IDLE_RANGE = settings_def.SESSION_IDLE_MINUTES
_MAX_RANGE = settings_def.SESSION_MAX_HOURS


def _within(
    value: object, default: dt.timedelta, unit: dt.timedelta, low: int, high: int
) -> dt.timedelta:
    """A stored count of ``unit`` clamped to its range; the default when unusable."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return default
    try:
        count = int(value)
    except ValueError:
        return default
    return unit * min(max(count, low), high)


def forget_limits() -> None:
    """Read the settings again on the next check (tests; after saving them here)."""
    with _LIMITS_LOCK:
        _LIMITS.clear()


def start(engine: Engine, user: User, address: str = "") -> str:
    """A new session for ``user``; returns the token for the cookie (stored only hashed)."""
    token = secrets.token_urlsafe(32)
    now = current_time()
    with engine.begin() as conn:
        conn.execute(
            insert(auth_sessions).values(
                id=_digest(token),
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + limits(engine).max_age,
                address=address[:64],
            )
        )
    return token


def check(engine: Engine, token: str | None) -> Session | None:
    """The session of ``token`` when it is valid now, else None (and nothing is revealed)."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    now = current_time()
    with engine.connect() as conn:  # the session and its user in one statement
        row = conn.execute(
            select(
                auth_sessions.c.created_at,
                auth_sessions.c.last_seen_at,
                auth_sessions.c.revoked_at,
                *USER_COLUMNS,
            )
            .join_from(auth_sessions, users, users.c.id == auth_sessions.c.user_id)
            .where(auth_sessions.c.id == _digest(token))
        ).first()
    if row is None or row.revoked_at is not None:
        return None
    created, seen = _aware(row.created_at), _aware(row.last_seen_at)
    limit = limits(engine)
    if now >= created + limit.max_age or now - seen > limit.idle:
        return None
    user = User(*row[3:])
    if user.disabled:
        return None
    changed = user.password_changed_at
    if changed is not None and _aware(changed) > created:
        return None
    if now - seen > TOUCH_EVERY:
        with engine.begin() as conn:
            conn.execute(
                update(auth_sessions)
                .where(auth_sessions.c.id == _digest(token))
                .values(last_seen_at=now)
            )
    return Session(user, created)


def end(engine: Engine, token: str | None) -> None:
    """Sign-out: the session stops counting everywhere."""
    if not token:
        return
    with engine.begin() as conn:
        conn.execute(
            update(auth_sessions)
            .where(auth_sessions.c.id == _digest(token), auth_sessions.c.revoked_at.is_(None))
            .values(revoked_at=current_time())
        )


def revoke_user(engine: Engine, name: str) -> int:
    """End every open session of ``name``; returns how many."""
    with engine.begin() as conn:
        ids = select(users.c.id).where(users.c.name == name).scalar_subquery()
        return int(
            conn.execute(
                update(auth_sessions)
                .where(auth_sessions.c.user_id == ids, auth_sessions.c.revoked_at.is_(None))
                .values(revoked_at=current_time())
            ).rowcount
        )


def open_sessions(engine: Engine) -> list[tuple[str, dt.datetime, dt.datetime, str]]:
    """(user, started, last seen, address) of sessions not revoked and not expired."""
    now = current_time()
    query = (
        select(
            users.c.name,
            auth_sessions.c.created_at,
            auth_sessions.c.last_seen_at,
            auth_sessions.c.address,
        )
        .join(users, users.c.id == auth_sessions.c.user_id)
        .where(auth_sessions.c.revoked_at.is_(None), auth_sessions.c.expires_at > now)
        .order_by(auth_sessions.c.last_seen_at.desc())
    )
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


# --- lock-out ----------------------------------------------------------------------------------
def failure_keys(name: str, address: str) -> list[str]:
    return [f"user:{name[:64]}", f"addr:{address[:64]}"]


def record_failure(engine: Engine, name: str, address: str) -> None:
    now = current_time()
    with engine.begin() as conn:
        conn.execute(
            insert(auth_failures), [{"key": k, "at": now} for k in failure_keys(name, address)]
        )
        conn.execute(delete(auth_failures).where(auth_failures.c.at < now - LOCK_WINDOW * 4))


def is_locked(engine: Engine, name: str, address: str) -> bool:
    """Too many recent failures for this account or from this address."""
    since = current_time() - LOCK_WINDOW
    user_key, addr_key = failure_keys(name, address)
    with engine.connect() as conn:
        counts: dict[str, int] = dict(
            conn.execute(
                select(auth_failures.c.key, func.count())
                .where(
                    and_(auth_failures.c.key.in_([user_key, addr_key]), auth_failures.c.at >= since)
                )
                .group_by(auth_failures.c.key)
            ).all()
        )
    return (
        counts.get(user_key, 0) >= LOCK_AFTER_USER or counts.get(addr_key, 0) >= LOCK_AFTER_ADDRESS
    )


def clear_failures(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(auth_failures).where(auth_failures.c.key == f"user:{name[:64]}"))
