"""OIDC through Streamlit's st.login routes, attacked at the gate: an identity is a sign-in
only when it is fresh, correctly signed and names one enabled account; it then becomes a
server-side session (so sign-out, disabling and revoking end it) and the identity cookie is
deleted. Streamlit's OIDC routes pass only when OIDC is configured. The identity cookies
here are signed exactly as Streamlit signs them; the full round trip through a provider is
tests/e2e/test_oidc_roundtrip.py."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from streamlit.web.server import server_util
from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

from dashboard.auth import accounts, audit, identity, sessions
from dashboard.web import oidc
from dashboard.web.signin import LOGIN_PATH, LOGOUT_PATH, SESSION_COOKIE
from tests.web.test_signin_gate import PASSWORD, call

SECRET = "a-cookie-secret-for-tests-only-0123456789"


def identity_cookie(claims: dict, secret: str = SECRET) -> str:
    value = json.dumps({**claims, "is_logged_in": True, "provider": "default"})
    return create_signed_value(secret, oidc.IDENTITY_COOKIE, value).decode()


@pytest.fixture
def board(any_engine: Engine, monkeypatch) -> Engine:
    monkeypatch.setattr(server_util, "get_cookie_secret", lambda: SECRET)
    monkeypatch.setattr(oidc, "providers", lambda: ["default"])
    monkeypatch.setattr(oidc, "login_url", lambda name: f"/auth/login?provider=signed-{name}")
    accounts.add_user(any_engine, "admin", "admin", PASSWORD)
    accounts.add_user(
        any_engine, "liu", "office", None, email="Liu@Example.org", oidc_subject="sub-liu"
    )
    return any_engine


def test_claims_map_by_subject_then_verified_email(engine: Engine) -> None:
    accounts.add_user(engine, "a", "office", None, email="a@example.org")
    accounts.add_user(engine, "b", "office", None, oidc_subject="sub-b", email="b@example.org")
    assert identity.account_for(engine, {"sub": "sub-b", "email": "x@y.org"}).user.name == "b"
    by_mail = identity.account_for(engine, {"sub": "other", "email": "A@Example.org"})
    assert by_mail.user is not None and by_mail.matched_by == "email"
    unverified = identity.account_for(engine, {"email": "a@example.org", "email_verified": False})
    assert unverified.user is None and "未确认邮箱" in unverified.reason
    unknown = identity.account_for(engine, {"sub": "nobody", "email": "nobody@example.org"})
    assert unknown.user is None and "没有对应的看板账号" in unknown.reason
    assert "nobody@example.org" in unknown.reason
    assert identity.account_for(engine, {}).user is None
    accounts.set_disabled(engine, "b")
    assert "停用" in identity.account_for(engine, {"sub": "sub-b"}).reason


@pytest.mark.parametrize("any_engine", ["sqlite", "postgresql"], indirect=True)
def test_a_fresh_identity_becomes_a_revocable_session(board) -> None:
    cookie = identity_cookie({"sub": "sub-liu", "email": "liu@example.org"})
    first = call(board, "/排名?week=3", cookies={oidc.IDENTITY_COOKIE: cookie})
    assert first.status == 303 and not first.reached
    assert first.headers["location"][0].startswith("/%E6%8E%92%E5%90%8D?week=3")
    deleted = [c for c in first.headers["set-cookie"] if c.startswith(oidc.IDENTITY_COOKIE)]
    assert deleted and all("Max-Age=0" in c for c in deleted)
    token = first.cookie(SESSION_COOKIE)
    assert token
    cookie_line = next(c for c in first.headers["set-cookie"] if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie_line and "SameSite=Strict" in cookie_line
    assert call(board, "/", cookies={SESSION_COOKIE: token}).reached
    log = audit.entries(board)
    signed = log[log["action"] == "sign_in"].iloc[0]
    assert signed["user_name"] == "liu" and signed["detail"]["method"] == "oidc"

    out = call(board, LOGOUT_PATH, cookies={SESSION_COOKIE: token, oidc.IDENTITY_COOKIE: cookie})
    assert any(c.startswith(f"{oidc.IDENTITY_COOKIE}=;") for c in out.headers["set-cookie"])
    assert not call(board, "/", cookies={SESSION_COOKIE: token}).reached

    again = call(board, "/", cookies={oidc.IDENTITY_COOKIE: cookie}).cookie(SESSION_COOKIE)
    assert again and call(board, "/", cookies={SESSION_COOKIE: again}).reached
    accounts.set_disabled(board, "liu")
    assert not call(board, "/", cookies={SESSION_COOKIE: again}).reached
    refused = call(board, "/", cookies={oidc.IDENTITY_COOKIE: cookie})
    assert refused.status == 403 and refused.cookie(SESSION_COOKIE) is None
    assert "停用" in refused.body.decode()


def test_unknown_stale_or_forged_identities_are_refused(board, monkeypatch) -> None:
    stranger = identity_cookie({"sub": "sub-x", "email": "stranger@example.org"})
    refused = call(board, "/", cookies={oidc.IDENTITY_COOKIE: stranger})
    assert refused.status == 403 and not refused.reached
    page = refused.body.decode()
    assert "没有对应的看板账号" in page and "stranger@example.org" in page and "<form" in page
    assert refused.cookie(SESSION_COOKIE) is None
    assert any(c.startswith(f"{oidc.IDENTITY_COOKIE}=;") for c in refused.headers["set-cookie"])
    failed = audit.entries(board)
    assert failed.iloc[0]["action"] == "sign_in_failed"
    assert failed.iloc[0]["user_name"] == "stranger@example.org"

    forged = identity_cookie({"sub": "sub-liu"}, secret="another-secret-of-some-length-000")
    reply = call(board, "/", cookies={oidc.IDENTITY_COOKIE: forged})
    assert not reply.reached and reply.cookie(SESSION_COOKIE) is None
    assert not call(board, "/", cookies={oidc.IDENTITY_COOKIE: "sub-liu"}).reached

    known = identity_cookie({"sub": "sub-liu"})
    monkeypatch.setattr(oidc, "FRESH_MINUTES", -1.0)  # signed longer ago than accepted
    stale = call(board, "/", cookies={oidc.IDENTITY_COOKIE: known})
    assert not stale.reached and stale.cookie(SESSION_COOKIE) is None
    # a websocket never turns an identity into a session: the page load does that
    monkeypatch.setattr(oidc, "FRESH_MINUTES", 5.0)
    ws = call(board, "/_stcore/stream", kind="websocket", cookies={oidc.IDENTITY_COOKIE: known})
    assert not ws.reached
    upload = call(
        board, "/_stcore/upload_file/s/f", method="PUT", cookies={oidc.IDENTITY_COOKIE: known}
    )
    assert not upload.reached and upload.cookie(SESSION_COOKIE) is None


def test_oidc_routes_pass_only_when_configured(board, monkeypatch) -> None:
    page = call(board, LOGIN_PATH)
    assert "单点登录" in page.body.decode() and "/auth/login?provider=signed-default" in (
        page.body.decode()
    )
    assert call(board, f"{LOGIN_PATH}?provider=abc").reached  # Streamlit's st.login route
    assert call(board, "/oauth2callback?state=s&code=c").reached
    monkeypatch.setattr(oidc, "providers", lambda: [])
    off = call(board, f"{LOGIN_PATH}?provider=abc")
    assert not off.reached and off.status == 200 and "单点登录" not in off.body.decode()
    assert call(board, "/oauth2callback?state=s&code=c").status == 404
    cookie = identity_cookie({"sub": "sub-liu"})
    assert not call(board, "/", cookies={oidc.IDENTITY_COOKIE: cookie}).reached  # mode off


def test_sessions_from_oidc_are_listed_and_revoked_like_others(board) -> None:
    token = call(
        board, "/", cookies={oidc.IDENTITY_COOKIE: identity_cookie({"sub": "sub-liu"})}
    ).cookie(SESSION_COOKIE)
    assert [row[0] for row in sessions.open_sessions(board)] == ["liu"]
    assert sessions.revoke_user(board, "liu") == 1
    assert not call(board, "/", cookies={SESSION_COOKIE: token}).reached


def test_providers_read_from_the_auth_secrets(monkeypatch) -> None:
    monkeypatch.undo()
    section = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": SECRET,
        "client_id": "board",
        "client_secret": "s",
        "server_metadata_url": "http://idp/.well-known/openid-configuration",
        "county": {"client_id": "c", "client_secret": "s", "server_metadata_url": "http://x"},
        "expose_tokens": [],
    }
    monkeypatch.setattr(oidc, "auth_section", lambda: section)
    assert oidc.providers() == ["default", "county"]
    monkeypatch.setattr(oidc, "auth_section", lambda: {**section, "cookie_secret": ""})
    assert oidc.providers() == []
    monkeypatch.setattr(oidc, "auth_section", lambda: {})
    assert not oidc.enabled()
