"""Idle timeout and maximum age are settings an admin changes on 设置; every session check
reads them (within ``LIMITS_TTL``), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from dashboard.auth import accounts, sessions
from dashboard.core import settings as settings_def
from dashboard.store import repo

PASSWORD = "长城-password-1"


@pytest.fixture
def user(any_engine: Engine) -> accounts.User:
    sessions.forget_limits()
    return accounts.add_user(any_engine, "admin", "admin", PASSWORD)


def at(monkeypatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(sessions, "current_time", lambda: moment)


@pytest.mark.parametrize("any_engine", ["sqlite", "postgresql"], indirect=True)
def test_defaults_then_settings_decide_idle_and_max_age(any_engine, user, monkeypatch) -> None:
    assert sessions.limits(any_engine) == sessions.Limits(
        dt.timedelta(hours=2), dt.timedelta(hours=12)
    )
    start = dt.datetime.now(dt.UTC)
    at(monkeypatch, start)
    token = sessions.start(any_engine, user)
    at(monkeypatch, start + dt.timedelta(minutes=100))  # default idle: 120 minutes
    assert sessions.check(any_engine, token) is not None

    repo.set_settings(any_engine, {"session_idle_minutes": 30})
    sessions.forget_limits()
    at(monkeypatch, start + dt.timedelta(minutes=125))  # 25 idle minutes: still in
    assert sessions.check(any_engine, token) is not None
    at(monkeypatch, start + dt.timedelta(minutes=160))  # 35 idle minutes: out
    assert sessions.check(any_engine, token) is None

    at(monkeypatch, start)
    token = sessions.start(any_engine, user)
    repo.set_settings(any_engine, {"session_idle_minutes": 120, "session_max_hours": 2})
    sessions.forget_limits()
    for minutes in (50, 100):  # active all along, so never idle
        at(monkeypatch, start + dt.timedelta(minutes=minutes))
        assert sessions.check(any_engine, token) is not None
    at(monkeypatch, start + dt.timedelta(minutes=121))  # past the 2 hours, active or not
    assert sessions.check(any_engine, token) is None


@pytest.mark.parametrize("any_engine", ["sqlite"], indirect=True)
def test_a_change_reaches_the_check_within_the_ttl(any_engine, user, monkeypatch) -> None:
    start = dt.datetime.now(dt.UTC)
    at(monkeypatch, start)
    token = sessions.start(any_engine, user)
    assert sessions.limits(any_engine).idle == dt.timedelta(minutes=120)
    repo.set_settings(any_engine, {"session_idle_minutes": 10})
    at(monkeypatch, start + dt.timedelta(minutes=20))
    assert sessions.check(any_engine, token) is not None  # the cached limits, for now
    at(monkeypatch, start + dt.timedelta(minutes=35))  # 15 idle minutes since
    assert sessions.check(any_engine, token) is not None
    monkeypatch.setattr(sessions, "LIMITS_TTL", 0.0)  # the TTL has run out
    at(monkeypatch, start + dt.timedelta(minutes=50))
    assert sessions.check(any_engine, token) is None


@pytest.mark.parametrize("any_engine", ["sqlite"], indirect=True)
def test_stored_values_out_of_range_are_clamped(any_engine, user) -> None:
    repo.set_settings(any_engine, {"session_idle_minutes": 0, "session_max_hours": 10_000})
    sessions.forget_limits()
    found = sessions.limits(any_engine)
    assert found.idle == dt.timedelta(minutes=5) and found.max_age == dt.timedelta(hours=168)
    repo.set_settings(any_engine, {"session_idle_minutes": "garbage"})
    sessions.forget_limits()
    assert sessions.limits(any_engine).idle == sessions.IDLE_TIMEOUT


def test_settings_problems_name_the_bounds() -> None:
    values = settings_def.defaults()
    assert settings_def.problems(values) == []
    assert any(
        "5 到 1440" in p for p in settings_def.problems({**values, "session_idle_minutes": 1})
    )
    assert any("1 到 168" in p for p in settings_def.problems({**values, "session_max_hours": 0}))
    longer = {**values, "session_idle_minutes": 600, "session_max_hours": 8}
    assert any("不应长于" in p for p in settings_def.problems(longer))
    assert settings_def.setting("session_idle_minutes").group == settings_def.ACCESS
