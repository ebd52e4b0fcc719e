"""The sign-in gate, attacked: every route refused without a valid session; a session ends
at sign-out, when the user is disabled and when the password changes (on every process,
since it lives in the database); no sign-in without the CSRF token; lock-out after repeated
failures; single-user local mode serves loopback only. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, func, select, text

from dashboard.auth import accounts, sessions
from dashboard.store.schema import audit_log
from dashboard.web.signin import CSRF_COOKIE, LOGIN_PATH, SESSION_COOKIE, SignInGate
from tests.web.asgi import run

PASSWORD = "长城-password-1"


@dataclass
class Reply:
    status: int
    headers: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    reached: bool = False  # the app behind the gate was called

    def cookie(self, name: str) -> str | None:
        for value in self.headers.get("set-cookie", []):
            key, _, rest = value.partition("=")
            if key == name:
                return rest.split(";")[0]
        return None


def call(
    engine: Engine,
    path: str,
    *,
    method: str = "GET",
    kind: str = "http",
    cookies: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    client: str = "127.0.0.1",
    accept: str = "text/html",
) -> Reply:
    reached: list[bool] = []

    async def app(scope, receive, send) -> None:
        reached.append(True)
        if scope["type"] == "websocket":
            await send({"type": "websocket.accept"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"page"})

    body = urlencode(form or {}).encode()
    headers = [(b"accept", accept.encode())]
    if cookies:
        headers.append((b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()))
    if form is not None:
        headers.append((b"content-type", b"application/x-www-form-urlencoded"))
    path_only, _, query = path.partition("?")
    scope = {
        "type": kind,
        "method": method,
        "path": path_only,
        "query_string": query.encode(),
        "headers": headers,
        "client": (client, 50000),
        "scheme": "http" if kind == "http" else "ws",
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message) -> None:
        sent.append(message)

    run(SignInGate(app, engine=lambda: engine)(scope, receive, send))
    first = sent[0]
    if first["type"] == "websocket.close":
        return Reply(status=403, reached=bool(reached))
    if first["type"] == "websocket.accept":
        return Reply(status=101, reached=bool(reached))
    headers: dict[str, list[str]] = {}
    for key, value in first.get("headers", []):
        headers.setdefault(key.decode().lower(), []).append(value.decode())
    return Reply(
        first["status"], headers, b"".join(m.get("body", b"") for m in sent[1:]), bool(reached)
    )


def sign_in(engine: Engine, name: str = "admin", password: str = PASSWORD) -> Reply:
    page = call(engine, LOGIN_PATH)
    csrf = page.cookie(CSRF_COOKIE)
    assert csrf
    return call(
        engine,
        LOGIN_PATH,
        method="POST",
        cookies={CSRF_COOKIE: csrf},
        form={"name": name, "password": password, "csrf": csrf, "next": "/排名"},
    )


@pytest.fixture
def board(any_engine: Engine) -> Engine:
    accounts.add_user(any_engine, "admin", "admin", PASSWORD)
    return any_engine


PROTECTED = [
    ("/", "http", "GET"),
    ("/ranking", "http", "GET"),
    ("/_stcore/stream", "websocket", "GET"),
    ("/media/0123abc.png", "http", "GET"),
    ("/_stcore/upload_file/s/f", "http", "PUT"),
    ("/static/js/main.js", "http", "GET"),
]


@pytest.mark.parametrize(("path", "kind", "method"), PROTECTED)
def test_nothing_is_served_without_a_session(board, path, kind, method) -> None:
    reply = call(board, path, kind=kind, method=method)
    assert not reply.reached
    assert reply.status in (303, 401, 403)
    if kind == "http" and method == "GET" and path in ("/", "/ranking"):
        assert reply.status == 303 and reply.headers["location"][0].startswith(LOGIN_PATH)


def test_health_and_sign_in_page_are_open_and_carry_security_headers(board) -> None:
    health = call(board, "/_stcore/health")
    assert health.reached
    page = call(board, LOGIN_PATH)
    assert page.status == 200 and "登录".encode() in page.body
    for header in ("x-content-type-options", "referrer-policy", "x-frame-options"):
        assert header in page.headers
    assert "content-security-policy" in page.headers
    cookie = page.headers["set-cookie"][0]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_sign_in_sets_an_http_only_strict_cookie_and_opens_everything(board) -> None:
    reply = sign_in(board)
    assert reply.status == 303 and reply.headers["location"] == ["/排名"]
    cookie = next(c for c in reply.headers["set-cookie"] if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    token = reply.cookie(SESSION_COOKIE)
    assert token
    for path, kind, method in PROTECTED:
        assert call(board, path, kind=kind, method=method, cookies={SESSION_COOKIE: token}).reached
    with board.connect() as conn:  # the token itself is never stored
        assert (
            conn.execute(
                text("SELECT COUNT(*) FROM auth_sessions WHERE id = :t"), {"t": token}
            ).scalar_one()
            == 0
        )


def test_a_cookie_replayed_after_sign_out_disable_or_password_change_is_refused(board) -> None:
    token = sign_in(board).cookie(SESSION_COOKIE)
    call(board, "/auth/logout", cookies={SESSION_COOKIE: token})
    assert not call(board, "/", cookies={SESSION_COOKIE: token}).reached

    token = sign_in(board).cookie(SESSION_COOKIE)
    accounts.set_disabled(board, "admin", True)
    assert not call(board, "/", cookies={SESSION_COOKIE: token}).reached
    accounts.set_disabled(board, "admin", False)
    assert sign_in(board).status == 303

    token = sign_in(board).cookie(SESSION_COOKIE)
    accounts.set_password(board, "admin", "another-password-2")
    assert not call(board, "/", cookies={SESSION_COOKIE: token}).reached

    token = sign_in(board, password="another-password-2").cookie(SESSION_COOKIE)
    assert call(board, "/", cookies={SESSION_COOKIE: token}).reached
    sessions.revoke_user(board, "admin")
    assert not call(board, "/", cookies={SESSION_COOKIE: token}).reached


def test_forged_and_expired_tokens_are_refused(board, monkeypatch) -> None:
    assert not call(board, "/", cookies={SESSION_COOKIE: "guess" * 8}).reached
    token = sign_in(board).cookie(SESSION_COOKIE)
    later = sessions.current_time() + sessions.IDLE_TIMEOUT + dt.timedelta(minutes=1)
    monkeypatch.setattr(sessions, "current_time", lambda: later)
    assert not call(board, "/", cookies={SESSION_COOKIE: token}).reached


def test_sign_in_without_or_with_a_wrong_csrf_token_is_refused(board) -> None:
    form = {"name": "admin", "password": PASSWORD}
    assert call(board, LOGIN_PATH, method="POST", form=form).status == 403
    wrong = call(
        board, LOGIN_PATH, method="POST", form={**form, "csrf": "x"}, cookies={CSRF_COOKIE: "y"}
    )
    assert wrong.status == 403 and wrong.cookie(SESSION_COOKIE) is None


def test_lock_out_after_repeated_failures_even_with_the_right_password(board) -> None:
    for _ in range(sessions.LOCK_AFTER_USER):
        assert sign_in(board, password="wrong-password!").status == 401
    locked = sign_in(board)
    assert locked.status == 429 and locked.cookie(SESSION_COOKIE) is None
    with board.connect() as conn:
        actions = conn.execute(
            select(audit_log.c.action, func.count()).group_by(audit_log.c.action)
        ).all()
    assert dict(actions)["sign_in_failed"] == sessions.LOCK_AFTER_USER and "locked_out" in dict(
        actions
    )


def test_after_sign_in_only_local_paths(board) -> None:
    page = call(board, LOGIN_PATH)
    csrf = page.cookie(CSRF_COOKIE)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        reply = call(
            board,
            LOGIN_PATH,
            method="POST",
            cookies={CSRF_COOKIE: csrf},
            form={"name": "admin", "password": PASSWORD, "csrf": csrf, "next": target},
        )
        assert reply.headers["location"] == ["/"]


def test_single_user_local_mode_serves_loopback_only(any_engine) -> None:
    assert call(any_engine, "/", client="127.0.0.1").reached
    assert call(any_engine, "/_stcore/stream", kind="websocket", client="::1").reached
    refused = call(any_engine, "/", client="192.0.2.7")
    assert refused.status == 403 and not refused.reached
    assert "users add" in refused.body.decode()


def test_the_audit_log_is_append_only(board) -> None:
    sign_in(board)
    with pytest.raises(Exception, match="append-only"), board.begin() as conn:
        conn.execute(text("UPDATE audit_log SET user_name = 'someone else'"))
    with pytest.raises(Exception, match="append-only"), board.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))


def _with_header(engine, client: str, user: str) -> Reply:
    reached: list[bool] = []

    async def app(scope, receive, send) -> None:
        reached.append(True)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"page"})

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [(b"remote-user", user.encode()), (b"accept", b"text/html")],
        "client": (client, 1234),
        "scheme": "http",
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message) -> None:
        sent.append(message)

    run(SignInGate(app, engine=lambda: engine)(scope, receive, send))
    return Reply(sent[0]["status"], reached=bool(reached))


def test_remote_user_is_believed_only_from_a_configured_proxy(board, monkeypatch) -> None:
    assert not _with_header(board, "10.9.8.7", "admin").reached  # mode off: header ignored
    monkeypatch.setenv("DASHBOARD_TRUSTED_PROXIES", "10.9.8.7")
    assert _with_header(board, "10.9.8.7", "admin").reached
    assert not _with_header(board, "10.9.8.8", "admin").reached  # a client posing as the proxy
    assert not _with_header(board, "10.9.8.7", "nobody").reached
    accounts.set_disabled(board, "admin", True)
    assert not _with_header(board, "10.9.8.7", "admin").reached
