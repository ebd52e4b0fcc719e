"""Every rerun checks who is signed in against the database: a valid session costs one
statement (the session joined with its user); only without one are accounts counted (local
mode when none exist). On SQLite and PostgreSQL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import event

from dashboard import door
from dashboard.auth import accounts, sessions
from dashboard.ui import session, state
from dashboard.web.signin import SESSION_COOKIE

PASSWORD = "viewer-check-password-1"


@pytest.fixture
def statements(any_engine, monkeypatch):
    """The statements ``any_engine`` runs (SQLite's own BEGIN left out)."""
    monkeypatch.setattr(state, "office_engine", lambda: any_engine)
    ran: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith("BEGIN"):
            ran.append(statement)

    event.listen(any_engine, "before_cursor_execute", count)
    yield ran
    event.remove(any_engine, "before_cursor_execute", count)


def browser(monkeypatch, token: str | None) -> None:
    cookies = {SESSION_COOKIE: token} if token else {}
    monkeypatch.setattr(
        "streamlit.context", SimpleNamespace(cookies=cookies, ip_address="127.0.0.1", headers={})
    )


def test_a_signed_in_rerun_reads_its_session_in_one_statement(
    any_engine, statements, monkeypatch
) -> None:
    accounts.add_user(any_engine, "jia", "office", PASSWORD)
    user = accounts.find_user(any_engine, "jia")
    assert user is not None
    token = sessions.start(any_engine, user)
    browser(monkeypatch, token)
    statements.clear()
    assert session.current_viewer() == door.Viewer("jia", "office", None)
    assert len(statements) == 1 and "auth_sessions" in statements[0]
    assert "users" in statements[0]  # the user comes with it


def test_a_disabled_user_or_an_ended_session_is_not_let_in(any_engine, monkeypatch) -> None:
    """``sessions.check`` (what the rerun asks) still refuses them with the one statement."""
    accounts.add_user(any_engine, "yi", "office", PASSWORD)
    user = accounts.find_user(any_engine, "yi")
    assert user is not None
    ended, disabled = sessions.start(any_engine, user), sessions.start(any_engine, user)
    sessions.end(any_engine, ended)
    assert sessions.check(any_engine, ended) is None
    assert sessions.check(any_engine, disabled) is not None
    accounts.set_disabled(any_engine, "yi")
    assert sessions.check(any_engine, disabled) is None


def test_without_accounts_the_board_runs_in_local_mode(any_engine, statements, monkeypatch) -> None:
    browser(monkeypatch, None)
    assert session.current_viewer() is None
    assert len(statements) == 1 and "users" in statements[0]  # the count that decides it
