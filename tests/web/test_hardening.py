"""Issue 13's hardening list, checked: security headers on every HTTP response the gate lets
out (pages, refusals, redirects, health, sign-in), a CSP that keeps other sites out,
XSRF protection and the upload cap on, error details off, secrets kept out of git."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from dashboard.auth import accounts
from dashboard.web.signin import LOGIN_PATH, SESSION_COOKIE
from tests.web.test_signin_gate import PASSWORD, call, sign_in

ROOT = Path(__file__).resolve().parents[2]
HEADERS = (
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
    "content-security-policy",
)


@pytest.mark.parametrize("any_engine", ["sqlite"], indirect=True)
def test_every_response_carries_the_security_headers(any_engine) -> None:
    local_refusal = call(any_engine, "/", client="192.0.2.9")  # single-user mode, not loopback
    accounts.add_user(any_engine, "admin", "admin", PASSWORD)
    token = sign_in(any_engine).cookie(SESSION_COOKIE)
    replies = {
        "page": call(any_engine, "/", cookies={SESSION_COOKIE: token}),
        "health": call(any_engine, "/_stcore/health"),
        "sign-in page": call(any_engine, LOGIN_PATH),
        "redirect to sign-in": call(any_engine, "/ranking"),
        "refused upload": call(any_engine, "/_stcore/upload_file/s/f", method="PUT", accept="*/*"),
        "sign-out": call(any_engine, "/auth/logout", cookies={SESSION_COOKIE: token}),
        "local mode refusal": local_refusal,
        "failed sign-in": sign_in(any_engine, password="wrong-password!"),
    }
    for what, reply in replies.items():
        missing = [h for h in HEADERS if h not in reply.headers]
        assert not missing, f"{what}: {missing}"
        assert reply.headers["x-content-type-options"] == ["nosniff"]
        policy = reply.headers["content-security-policy"][0]
        assert "frame-ancestors 'self'" in policy or "frame-ancestors 'none'" in policy, what
        assert "*" not in policy and "http:" not in policy and "https:" not in policy, what
    app_policy = replies["page"].headers["content-security-policy"][0]
    for directive in ("default-src 'self'", "connect-src 'self' ws: wss:", "object-src 'none'"):
        assert directive in app_policy


def test_server_config_keeps_xsrf_upload_cap_and_error_details() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] == 50
    assert config["client"]["showErrorDetails"] == "none"


def test_secrets_stay_out_of_git_and_the_example_names_them() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0
    example = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    for section in ("[database]", "[auth_proxy]", "[auth]", "cookie_secret", "redirect_uri"):
        assert section in example
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for words in (
        "OIDC",
        "session_idle_minutes",
        "Content-Security-Policy",
        "STREAMLIT_SERVER_COOKIE_SECRET",
    ):
        assert words in readme
