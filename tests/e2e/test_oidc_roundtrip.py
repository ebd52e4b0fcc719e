"""OIDC end to end, without a browser: the real server (``dashboard/server.py``) with an
``[auth]`` section pointing at a small OIDC provider this test starts (discovery, authorize,
token with an RS256-signed ID token, JWKS). Streamlit's own st.login routes and Authlib do
the protocol; the sign-in gate turns the identity into a board session, refuses an identity
that names no account, and sign-out ends it."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from dashboard.auth import accounts, audit
from dashboard.store import db
from tests.e2e.conftest import _serve

pytestmark = pytest.mark.e2e
CLIENT_ID, CLIENT_SECRET = "board", "client-secret-for-tests"


class Provider:
    """The identity provider: who signs in next is ``self.person`` (its claims)."""

    def __init__(self) -> None:
        from joserfc.jwk import RSAKey

        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
        self.person: dict[str, object] = {}
        self.codes: dict[str, dict[str, object]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def id_token(self, nonce: object) -> str:
        from joserfc import jwt

        now = int(time.time())
        claims = {
            "iss": self.base,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.person,
        }
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _json(self, value: object) -> None:
                body = json.dumps(value).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json(
                        {
                            "issuer": provider.base,
                            "authorization_endpoint": provider.base + "/authorize",
                            "token_endpoint": provider.base + "/token",
                            "jwks_uri": provider.base + "/jwks",
                            "response_types_supported": ["code"],
                            "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256"],
                            "code_challenge_methods_supported": ["S256"],
                        }
                    )
                elif url.path == "/jwks":
                    self._json({"keys": [provider.key.as_dict(private=False)]})
                elif url.path == "/authorize":
                    assert query["client_id"] == CLIENT_ID
                    code = secrets.token_urlsafe(8)
                    provider.codes[code] = {"nonce": query.get("nonce")}
                    target = (
                        query["redirect_uri"]
                        + "?"
                        + urlencode({"code": code, "state": query["state"]})
                    )
                    self.send_response(302)
                    self.send_header("location", target)
                    self.end_headers()
                else:
                    self.send_error(404)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                issued = provider.codes.pop(form.get("code", ""), None)
                if urlsplit(self.path).path != "/token" or issued is None:
                    self.send_error(400)
                    return
                self._json(
                    {
                        "access_token": secrets.token_urlsafe(16),
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": provider.id_token(issued["nonce"]),
                    }
                )

        return Handler


@pytest.fixture(scope="module")
def oidc_board(demo_database: str, tmp_path_factory) -> Iterator[tuple[str, Provider, str]]:
    folder = tmp_path_factory.mktemp("oidc")
    path = folder / "board.sqlite3"
    shutil.copy(demo_database.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    engine = db.connect(url)
    accounts.add_user(engine, "admin", "admin", "e2e-password-3")
    accounts.add_user(engine, "wang", "office", None, email="wang@example.org")
    engine.dispose()
    provider = Provider()
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.base}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    extra = ["--secrets.files", str(secrets_file)]
    try:
        with _serve({"DATABASE_URL": url}, folder / "streamlit.log", extra) as base:
            yield base, provider, url
    finally:
        provider.server.shutdown()


def _round_trip(base: str, client: httpx.Client) -> httpx.Response:
    """Sign-in page → Streamlit's st.login route → provider → callback → the board."""
    page = client.get(base + "/auth/login")
    link = re.search(r'href="(/auth/login\?provider=[^"]+)"', page.text)
    assert link, "the sign-in page offers 单点登录"
    to_provider = client.get(base + link.group(1).replace("&amp;", "&"))
    assert to_provider.status_code in (302, 303, 307), to_provider.text[:300]
    back = client.get(to_provider.headers["location"])  # the provider sends the browser back
    assert back.status_code == 302
    landed = client.get(back.headers["location"])  # /oauth2callback: code → tokens → cookie
    assert landed.status_code in (302, 303, 307), landed.text[:300]
    return client.get(base + "/", headers={"accept": "text/html"})


def test_an_oidc_sign_in_becomes_a_board_session(oidc_board) -> None:
    base, provider, url = oidc_board
    provider.person = {"sub": "idp-1", "email": "wang@example.org", "email_verified": True}
    with httpx.Client(timeout=60) as client:
        first = _round_trip(base, client)
        assert first.status_code == 303, first.text[:300]
        assert "dash_session" in client.cookies
        assert not [c for c in client.cookies.jar if c.name == "_streamlit_user" and c.value]
        board = client.get(base + "/", headers={"accept": "text/html"})
        assert board.status_code == 200
        out = client.get(base + "/auth/logout")
        assert out.status_code == 303
        after = client.get(base + "/", headers={"accept": "text/html"})
        assert after.status_code == 303 and "/auth/login" in after.headers["location"]

    provider.person = {"sub": "idp-2", "email": "stranger@example.org"}
    with httpx.Client(timeout=60) as client:
        refused = _round_trip(base, client)
        assert refused.status_code == 403
        assert "没有对应的看板账号" in refused.text and "stranger@example.org" in refused.text
        assert "dash_session" not in client.cookies

    engine = db.connect(url)
    log = audit.entries(engine)
    engine.dispose()
    signed = log[(log["action"] == "sign_in") & (log["user_name"] == "wang")]
    assert len(signed) == 1 and signed.iloc[0]["detail"]["method"] == "oidc"
    failed = log[(log["action"] == "sign_in_failed") & (log["user_name"] == "stranger@example.org")]
    assert len(failed) == 1
