"""Sign-in at the HTTP layer: no page, websocket, media file, upload or download without a
valid session once an account exists.

ASGI middleware in front of every Streamlit route. Open without a session: the health check
and ``/auth/login`` (a small form of our own). A valid session is a random token in an
HttpOnly, SameSite=Strict cookie whose sha256 is a live row of ``auth_sessions``
(``dashboard.auth.sessions.check``: revoked, expired, idle, disabled user or changed password
all end it). The sign-in form is posted with a CSRF token (double submit: cookie and field).
With no account at all the board runs in single-user local mode and answers only loopback
clients. Every response carries the security headers.

When OIDC is configured (``[auth]`` in the secrets, see ``dashboard/web/oidc.py``) the sign-in
page also offers the identity provider: Streamlit's ``/auth/login?provider=…`` and
``/oauth2callback`` pass through, and a fresh identity that maps to an enabled account
becomes a server-side session here. Every database call runs in the thread pool, so a slow
query never stalls the event loop that serves every other request.
"""

from __future__ import annotations

import html
import ipaddress
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from dashboard.auth import accounts, audit, identity, proxy, sessions
from dashboard.web import oidc
from dashboard.web.upload_guard import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CSRF_COOKIE",
    "LOGIN_PATH",
    "LOGOUT_PATH",
    "MAX_FORM_BYTES",
    "OPEN_PATHS",
    "SECURITY_HEADERS",
    "SESSION_COOKIE",
    "SignInGate",
    "signed_in_user",
]

SESSION_COOKIE = "dash_session"
CSRF_COOKIE = "dash_csrf"
LOGIN_PATH = "/auth/login"
LOGOUT_PATH = "/auth/logout"
OPEN_PATHS = ("/_stcore/health", "/healthz")
MAX_FORM_BYTES = 8 * 1024
# What Streamlit's own frontend needs and nothing from another site: its scripts and styles
# come from this origin (it evaluates and inlines some), images and fonts also as data:/blob:
# URLs, the websocket to this host; no plugins, no other site may frame the board.
_CSP = (
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' data: blob:",
    "connect-src 'self' ws: wss:",
    "worker-src 'self' blob:",
    "frame-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'self'",
    "base-uri 'self'",
    "form-action 'self'",
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"content-security-policy", "; ".join(_CSP).encode()),
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
        engine = await run_in_threadpool(self._engine_factory)  # the first call migrates
        if kind == "http" and path in (LOGIN_PATH, oidc.CALLBACK_ROUTE):
            if await run_in_threadpool(_oidc_route, scope):
                await self.app(scope, receive, send)  # Streamlit's st.login routes
            elif path == LOGIN_PATH:
                await _login(engine, scope, receive, send)
            else:
                await _refuse(scope, send, 404, "未配置单点登录。")
            return
        if kind == "http" and path == LOGOUT_PATH:
            await _logout(engine, scope, send)
            return
        admission = await run_in_threadpool(_admit, engine, scope)
        if admission.open_local:
            await self.app(scope, receive, send)
        elif admission.new_token is not None:
            await _signed_in(scope, send, admission)
        elif admission.user is not None:
            scope.setdefault("state", {})["user"] = admission.user
            await self.app(scope, receive, send)
        elif admission.forget and kind == "http":
            await _show_login(
                scope, send, admission.status, admission.message, "/", admission.forget
            )
        else:
            await _refuse(scope, send, admission.status, admission.message)


@dataclass
class _Admission:
    """What the gate decided about one request (made in the thread pool)."""

    user: accounts.User | None = None
    open_local: bool = False  # single-user local mode, asked from this machine
    status: int = 401
    message: str = "请先登录。"
    new_token: str | None = None  # an OIDC sign-in that just became this session
    forget: list[bytes] = field(default_factory=list)  # Set-Cookie deleting the identity


def _admit(engine: Engine, scope: Scope) -> _Admission:
    """Single-user mode, a live session, a fresh OIDC identity, or a trusted proxy's user."""
    if not accounts.any_users(engine):
        if _is_loopback(_address(scope)):
            return _Admission(open_local=True)
        return _Admission(status=403, message=_LOCAL_ONLY)
    cookies = _cookies(scope)
    session = sessions.check(engine, cookies.get(SESSION_COOKIE))
    if session is not None:
        return _Admission(user=session.user)
    page_load = scope.get("type") == "http" and scope.get("method") == "GET"
    if oidc.IDENTITY_COOKIE in cookies and page_load and oidc.enabled():
        admitted = _from_identity(engine, scope, cookies)
        if admitted is not None:
            return admitted
    user = proxy.user_from_proxy(engine, _address(scope), _headers(scope).get(proxy.HEADER))
    return _Admission(user=user) if user is not None else _Admission()


def _from_identity(engine: Engine, scope: Scope, cookies: dict[str, str]) -> _Admission | None:
    """A fresh OIDC identity: a session when it maps to an enabled account, else refused."""
    claims = oidc.identity(cookies)
    if claims is None:
        return None  # stale or forged: no sign-in, whatever it says
    address, forget = _address(scope), oidc.forget(cookies)
    match = identity.account_for(engine, claims)
    detail = {
        "method": "oidc",
        "identity": identity.who(claims),
        "provider": claims.get("provider"),
    }
    if match.user is None:
        audit.record(
            engine,
            "sign_in_failed",
            user=identity.who(claims),
            address=address,
            detail={**detail, "reason": match.reason},
        )
        return _Admission(status=403, message=match.reason, forget=forget)
    token = sessions.start(engine, match.user, address)
    audit.record(
        engine,
        "sign_in",
        user=match.user.name,
        address=address,
        detail={**detail, "matched_by": match.matched_by},
    )
    return _Admission(user=match.user, new_token=token, forget=forget)


def _oidc_route(scope: Scope) -> bool:
    """Is this Streamlit's OIDC login (``/auth/login?provider=``) or callback, and is OIDC on?"""
    path = str(scope.get("path", ""))
    if path == LOGIN_PATH and "provider" not in _query(scope):
        return False
    return oidc.enabled()


_LOCAL_ONLY = (
    "本看板尚未创建任何账号，只允许在本机访问。请管理员在服务器上运行 "
    "python -m dashboard users add 用户名 --role admin 创建账号后再从其他电脑访问。"
)
_ENGINE: list[Engine] = []
_ENGINE_LOCK = threading.Lock()


def _default_engine() -> Engine:
    """The office database's engine, made (and migrated) once however many first requests
    arrive together in the thread pool."""
    with _ENGINE_LOCK:
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


def _query(scope: Scope) -> dict[str, list[str]]:
    return parse_qs(scope.get("query_string", b"").decode("latin-1"))


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


def _login_page(
    csrf: str, next_path: str, message: str = "", links: list[tuple[str, str]] | None = None
) -> bytes:
    notice = f'<p class="err">{html.escape(message)}</p>' if message else ""
    others = "".join(
        f'<a class="sso" href="{html.escape(url)}">{html.escape(label)}</a>'
        for label, url in links or []
    )
    if others:
        others = f'<p class="or">或</p>{others}'
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
.or{{text-align:center;color:#888;margin:16px 0 8px}}
.sso{{display:block;text-align:center;padding:9px;border:1px solid #b7282e;border-radius:4px;
color:#b7282e;text-decoration:none;margin-top:8px}}
</style></head><body>
<form method="post" action="{LOGIN_PATH}">
<h1>主题教育调度看板</h1>{notice}
<input type="hidden" name="csrf" value="{html.escape(csrf)}">
<input type="hidden" name="next" value="{html.escape(next_path)}">
<label for="name">用户名</label><input id="name" name="name" autocomplete="username" required>
<label for="password">密码</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">登录</button>{others}
</form></body></html>""".encode()


def _provider_links() -> list[tuple[str, str]]:
    """(label, URL) of each configured OIDC provider; empty when OIDC is off."""
    found = oidc.providers()
    return [
        ("单点登录" if name == "default" or len(found) == 1 else f"单点登录（{name}）", url)
        for name in found
        if (url := oidc.login_url(name))
    ]


async def _show_login(
    scope: Scope,
    send: Send,
    status: int,
    message: str,
    next_path: str,
    extra: list[bytes] | None = None,
) -> None:
    csrf = secrets.token_urlsafe(24)
    links = await run_in_threadpool(_provider_links)
    await _respond(
        send,
        status,
        _login_page(csrf, next_path, message, links),
        [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"set-cookie", _cookie(CSRF_COOKIE, csrf, scope, max_age=3600)),
            *((b"set-cookie", value) for value in extra or []),
            (
                b"content-security-policy",
                b"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                b"frame-ancestors 'none'; base-uri 'none'",
            ),
        ],
    )


async def _signed_in(scope: Scope, send: Send, admission: _Admission) -> None:
    """An OIDC identity just became a session: set its cookie, drop the identity cookie and
    load the same address again."""
    query = scope.get("query_string", b"").decode("latin-1")
    target = _safe_next(str(scope.get("path", "/")) + (f"?{query}" if query else ""))
    assert admission.new_token is not None
    await _respond(
        send,
        303,
        b"",
        [
            (b"location", quote(target, safe="/?&=%").encode()),
            (b"set-cookie", _cookie(SESSION_COOKIE, admission.new_token, scope)),
            *((b"set-cookie", value) for value in admission.forget),
        ],
    )


async def _login(engine: Engine, scope: Scope, receive: Receive, send: Send) -> None:
    query = _query(scope)
    if scope.get("method") != "POST":
        await _show_login(scope, send, 200, "", _safe_next(query.get("next", ["/"])[0]))
        return
    form = await _read_form(receive)
    next_path = _safe_next(form.get("next"))
    token = _cookies(scope).get(CSRF_COOKIE)
    if not token or not secrets.compare_digest(token, form.get("csrf", "")):
        await _show_login(scope, send, 403, "页面已过期，请重新登录。", next_path)
        return
    name, password = form.get("name", "").strip(), form.get("password", "")
    status, message, session_token = await run_in_threadpool(
        _password_sign_in, engine, name, password, _address(scope)
    )
    if session_token is None:
        await _show_login(scope, send, status, message, next_path)
        return
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


def _password_sign_in(
    engine: Engine, name: str, password: str, address: str
) -> tuple[int, str, str | None]:
    """(status, message, session token or None): lock-out, password check, new session."""
    if sessions.is_locked(engine, name, address):
        audit.record(engine, "locked_out", user=name, address=address)
        return 429, "登录失败次数过多，请 15 分钟后再试。", None
    user = accounts.verify(engine, name, password)
    if user is None:
        sessions.record_failure(engine, name, address)
        audit.record(engine, "sign_in_failed", user=name, address=address)
        return 401, "用户名或密码不正确，或账号已停用。", None
    sessions.clear_failures(engine, name)
    token = sessions.start(engine, user, address)
    audit.record(engine, "sign_in", user=user.name, address=address)
    return 303, "", token


async def _logout(engine: Engine, scope: Scope, send: Send) -> None:
    cookies = _cookies(scope)
    await run_in_threadpool(_end_session, engine, cookies.get(SESSION_COOKIE), _address(scope))
    await _respond(
        send,
        303,
        b"",
        [
            (b"location", LOGIN_PATH.encode()),
            (b"set-cookie", _cookie(SESSION_COOKIE, "", scope, max_age=0)),
            # an OIDC identity cookie left behind must not sign the browser in again
            *((b"set-cookie", value) for value in oidc.forget(cookies)),
        ],
    )


def _end_session(engine: Engine, token: str | None, address: str) -> None:
    session = sessions.check(engine, token)
    sessions.end(engine, token)
    if session is not None:
        audit.record(engine, "sign_out", user=session.user.name, address=address)


def signed_in_user(scope: Scope) -> Any:
    """The user the gate let through (None in single-user local mode)."""
    return scope.get("state", {}).get("user")
