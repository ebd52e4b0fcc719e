"""Sign-in at the HTTP layer: no page, websocket, media file, upload or download without a
valid session once an account exists.

ASGI middleware in front of every Streamlit route. Open without a session: the health check
and ``/auth/login`` (a small form of our own). A valid session is a random token in an
HttpOnly, SameSite=Strict cookie whose sha256 is a live row of ``auth_sessions``
(``dashboard.auth.sessions.check``: revoked, expired, idle, disabled user or changed password
all end it). The sign-in form is posted with a CSRF token (double submit: cookie and field).
With no account at all the board runs in single-user local mode and answers only loopback
clients. Every response carries the security headers.
"""

from __future__ import annotations

import html
import ipaddress
import secrets
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from sqlalchemy import Engine

from dashboard.auth import accounts, audit, proxy, sessions
from dashboard.web.upload_guard import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "dash_session"
CSRF_COOKIE = "dash_csrf"
LOGIN_PATH = "/auth/login"
LOGOUT_PATH = "/auth/logout"
OPEN_PATHS = ("/_stcore/health", "/healthz")
MAX_FORM_BYTES = 8 * 1024
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"content-security-policy", b"frame-ancestors 'self'; base-uri 'self'; form-action 'self'"),
]


class SignInGate:
    """ASGI middleware: the sign-in gate in front of the app."""

    def __init__(self, app: ASGIApp, engine: Callable[[], Engine] | None = None) -> None:
        self.app = app
        self._engine_factory = engine or _default_engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        send = _with_security_headers(send) if kind == "http" else send
        path = str(scope.get("path", ""))
        if path in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        engine = self._engine_factory()
        if kind == "http" and path == LOGIN_PATH:
            await _login(engine, scope, receive, send)
            return
        if kind == "http" and path == LOGOUT_PATH:
            await _logout(engine, scope, send)
            return
        if not accounts.any_users(engine):
            if _is_loopback(_address(scope)):
                await self.app(scope, receive, send)
            else:
                await _refuse(scope, send, 403, _LOCAL_ONLY)
            return
        session = sessions.check(engine, _cookies(scope).get(SESSION_COOKIE))
        user = session.user if session is not None else None
        if user is None:  # behind an authenticating proxy, when one is configured
            user = proxy.user_from_proxy(engine, _address(scope), _headers(scope).get(proxy.HEADER))
        if user is None:
            await _refuse(scope, send, 401, "请先登录。")
            return
        scope.setdefault("state", {})["user"] = user
        await self.app(scope, receive, send)


_LOCAL_ONLY = (
    "本看板尚未创建任何账号，只允许在本机访问。请管理员在服务器上运行 "
    "python -m dashboard users add 用户名 --role admin 创建账号后再从其他电脑访问。"
)
_ENGINE: list[Engine] = []


def _default_engine() -> Engine:
    if not _ENGINE:
        from dashboard.store import db

        _ENGINE.append(db.connect())
    return _ENGINE[0]


# --- requests ----------------------------------------------------------------------------------
def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(_headers(scope).get("cookie", ""))
    except Exception:  # noqa: BLE001 - a malformed cookie header is no session
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address in ("localhost", "testclient")


def _secure(scope: Scope) -> bool:
    return scope.get("scheme") in ("https", "wss")


async def _read_form(receive: Receive) -> dict[str, str]:
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if len(body) > MAX_FORM_BYTES:
            return {}
        if not message.get("more_body"):
            break
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in fields.items()}


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never ``//host`` or a scheme) after signing in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


# --- responses ---------------------------------------------------------------------------------
def _with_security_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers", [])}
            extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return wrapped


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _refuse(scope: Scope, send: Send, status: int, message: str) -> None:
    """No session: a websocket is closed before it opens; a page goes to the sign-in form;
    anything else (media, uploads, API) is refused outright."""
    if scope.get("type") == "websocket":
        await send({"type": "websocket.close", "code": 4401})
        return
    path = str(scope.get("path", "/"))
    wants_page = scope.get("method") == "GET" and "text/html" in _headers(scope).get("accept", "")
    if status == 401 and wants_page and not path.startswith("/_stcore"):
        query = scope.get("query_string", b"").decode("latin-1")
        target = path + (f"?{query}" if query else "")
        location = f"{LOGIN_PATH}?next={quote(target, safe='')}"
        await _respond(send, 303, b"", [(b"location", location.encode())])
        return
    body = html.escape(message).encode()
    await _respond(send, status, body, [(b"content-type", b"text/plain; charset=utf-8")])


def _cookie(name: str, value: str, scope: Scope, *, max_age: int | None = None) -> bytes:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if _secure(scope):
        parts.append("Secure")
    return "; ".join(parts).encode()


def _login_page(csrf: str, next_path: str, message: str = "") -> bytes:
    notice = f'<p class="err">{html.escape(message)}</p>' if message else ""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>登录 · 主题教育调度看板</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#f6f6f6;margin:0}}
form{{max-width:360px;margin:12vh auto;background:#fff;padding:32px;border-radius:8px;
box-shadow:0 1px 4px rgba(0,0,0,.12)}}
h1{{font-size:20px;color:#b7282e;margin:0 0 20px}} label{{display:block;margin:12px 0 4px}}
input{{width:100%;box-sizing:border-box;padding:8px;font-size:15px}}
button{{margin-top:20px;width:100%;padding:10px;background:#b7282e;color:#fff;border:0;
border-radius:4px;font-size:16px}} .err{{color:#b7282e}}
</style></head><body>
<form method="post" action="{LOGIN_PATH}">
<h1>主题教育调度看板</h1>{notice}
<input type="hidden" name="csrf" value="{html.escape(csrf)}">
<input type="hidden" name="next" value="{html.escape(next_path)}">
<label for="name">用户名</label><input id="name" name="name" autocomplete="username" required>
<label for="password">密码</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">登录</button>
</form></body></html>""".encode()


async def _show_login(scope: Scope, send: Send, status: int, message: str, next_path: str) -> None:
    csrf = secrets.token_urlsafe(24)
    await _respond(
        send,
        status,
        _login_page(csrf, next_path, message),
        [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"set-cookie", _cookie(CSRF_COOKIE, csrf, scope, max_age=3600)),
            (
                b"content-security-policy",
                b"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                b"frame-ancestors 'none'; base-uri 'none'",
            ),
        ],
    )


async def _login(engine: Engine, scope: Scope, receive: Receive, send: Send) -> None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if scope.get("method") != "POST":
        await _show_login(scope, send, 200, "", _safe_next(query.get("next", ["/"])[0]))
        return
    form = await _read_form(receive)
    next_path = _safe_next(form.get("next"))
    token = _cookies(scope).get(CSRF_COOKIE)
    if not token or not secrets.compare_digest(token, form.get("csrf", "")):
        await _show_login(scope, send, 403, "页面已过期，请重新登录。", next_path)
        return
    name, password, address = (
        form.get("name", "").strip(),
        form.get("password", ""),
        _address(scope),
    )
    if sessions.is_locked(engine, name, address):
        audit.record(engine, "locked_out", user=name, address=address)
        await _show_login(scope, send, 429, "登录失败次数过多，请 15 分钟后再试。", next_path)
        return
    user = accounts.verify(engine, name, password)
    if user is None:
        sessions.record_failure(engine, name, address)
        audit.record(engine, "sign_in_failed", user=name, address=address)
        await _show_login(scope, send, 401, "用户名或密码不正确，或账号已停用。", next_path)
        return
    sessions.clear_failures(engine, name)
    session_token = sessions.start(engine, user, address)
    audit.record(engine, "sign_in", user=user.name, address=address)
    await _respond(
        send,
        303,
        b"",
        [
            (b"location", next_path.encode()),
            (b"set-cookie", _cookie(SESSION_COOKIE, session_token, scope)),
            (b"set-cookie", _cookie(CSRF_COOKIE, "", scope, max_age=0)),
        ],
    )


async def _logout(engine: Engine, scope: Scope, send: Send) -> None:
    token = _cookies(scope).get(SESSION_COOKIE)
    session = sessions.check(engine, token)
    sessions.end(engine, token)
    if session is not None:
        audit.record(engine, "sign_out", user=session.user.name, address=_address(scope))
    await _respond(
        send,
        303,
        b"",
        [
            (b"location", LOGIN_PATH.encode()),
            (b"set-cookie", _cookie(SESSION_COOKIE, "", scope, max_age=0)),
        ],
    )


def signed_in_user(scope: Scope) -> Any:
    """The user the gate let through (None in single-user local mode)."""
    return scope.get("state", {}).get("user")
