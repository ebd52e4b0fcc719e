"""The gate's database calls run in the thread pool: while one request waits on a slow
database, another request is served (a call on the event loop would hold both)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import Engine

from dashboard.auth import accounts, sessions
from dashboard.web.signin import SESSION_COOKIE, SignInGate
from tests.web.asgi import run
from tests.web.test_signin_gate import PASSWORD


def scope_for(path: str, token: str | None = None) -> dict:
    headers = [(b"accept", b"text/html")]
    if token:
        headers.append((b"cookie", f"{SESSION_COOKIE}={token}".encode()))
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "scheme": "http",
    }


@pytest.mark.parametrize("any_engine", ["sqlite"], indirect=True)
def test_a_slow_session_check_does_not_hold_other_requests(any_engine: Engine, monkeypatch) -> None:
    user = accounts.add_user(any_engine, "admin", "admin", PASSWORD)
    slow_token, quick_token = sessions.start(any_engine, user), sessions.start(any_engine, user)
    release, slow_entered = threading.Event(), threading.Event()
    loop_threads: set[int] = set()
    check_threads: set[int] = set()
    real_check = sessions.check

    def check(engine, token):  # type: ignore[no-untyped-def]
        check_threads.add(threading.get_ident())
        if token == slow_token:
            slow_entered.set()
            assert release.wait(20), "the slow check was never released"
        return real_check(engine, token)

    monkeypatch.setattr(sessions, "check", check)
    served: list[str] = []

    async def app(scope, receive, send) -> None:
        served.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    gate = SignInGate(app, engine=lambda: any_engine)

    async def request(path: str, token: str) -> None:
        sent: list[dict] = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message) -> None:
            sent.append(message)

        await gate(scope_for(path, token), receive, send)

    async def both() -> None:
        loop_threads.add(threading.get_ident())
        slow = asyncio.create_task(request("/slow", slow_token))
        while not slow_entered.is_set():
            await asyncio.sleep(0.01)
        # the slow request sits in its session check; the quick one must still get through
        await asyncio.wait_for(request("/quick", quick_token), timeout=20)
        assert served == ["/quick"]
        release.set()
        await asyncio.wait_for(slow, timeout=20)

    run(both())
    assert served == ["/quick", "/slow"]
    assert check_threads and not check_threads & loop_threads  # never on the event loop
