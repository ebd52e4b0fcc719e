"""OIDC sign-in through Streamlit's own ``st.login`` machinery, off unless configured.

Streamlit 1.67 serves ``/auth/login?provider=…`` (to the identity provider, via Authlib) and
``/oauth2callback`` (back, with the user's claims in a signed ``_streamlit_user`` cookie)
once ``[auth]`` is in ``.streamlit/secrets.toml``. That cookie alone is no session for the
board: it lasts 30 days, lives only in the browser and cannot be revoked. So the sign-in
gate lets those two routes through, and on the next request turns a *fresh* identity cookie
(signed in the last ``FRESH``) that maps to an enabled account into a server-side session
like a password sign-in, then deletes the identity cookie. Sign-out, disabling the user and
revoking sessions therefore end an OIDC sign-in exactly as they end any other.

The page script cannot call ``st.login`` for a visitor who is not signed in (the gate lets
no websocket through), so the sign-in page links to the URL ``st.login`` would open.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

__all__ = [
    "CALLBACK_ROUTE",
    "FRESH_MINUTES",
    "IDENTITY_COOKIE",
    "LOGIN_ROUTE",
    "TOKENS_COOKIE",
    "auth_section",
    "enabled",
    "forget",
    "identity",
    "login_url",
    "providers",
]

log = logging.getLogger(__name__)

IDENTITY_COOKIE = "_streamlit_user"  # streamlit.web.server.starlette.starlette_server_config
TOKENS_COOKIE = "_streamlit_user_tokens"
LOGIN_ROUTE = "/auth/login"  # Streamlit's, when asked with ?provider=
CALLBACK_ROUTE = "/oauth2callback"
FRESH_MINUTES = 5.0
_PROVIDER_KEYS = {"client_id", "client_secret", "server_metadata_url"}
_CHUNK = re.compile(rf"^(?:{IDENTITY_COOKIE}|{TOKENS_COOKIE})_\d+$")


def auth_section() -> dict[str, Any]:
    try:
        from streamlit.auth_util import get_secrets_auth_section

        section = get_secrets_auth_section()
        return section.to_dict() if section else {}
    except Exception:  # noqa: BLE001 - unreadable secrets: OIDC stays off, the reason logged
        log.warning("the [auth] section of the secrets could not be read", exc_info=True)
        return {}


def providers() -> list[str]:
    """The configured providers (``default`` for a flat ``[auth]``); empty: OIDC is off."""
    section = auth_section()
    if not section.get("redirect_uri") or not section.get("cookie_secret"):
        return []
    found = ["default"] if section.get("client_id") else []
    found += [
        name
        for name, value in section.items()
        if isinstance(value, dict) and _PROVIDER_KEYS & set(value)
    ]
    return found


def enabled() -> bool:
    return bool(providers())


def login_url(provider: str) -> str:
    """What ``st.login(provider)`` opens: Streamlit's login route with a signed, short-lived
    provider token."""
    from streamlit.auth_util import encode_provider_token

    return f"{LOGIN_ROUTE}?provider={encode_provider_token(provider)}"


def identity(cookies: dict[str, str]) -> dict[str, Any] | None:
    """The claims of a valid identity cookie signed within ``FRESH_MINUTES``, else None."""
    if IDENTITY_COOKIE not in cookies:
        return None
    from streamlit.auth_util import get_cookie_with_chunks
    from streamlit.web.server.server_util import get_cookie_secret
    from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value

    secret = get_cookie_secret()

    def one(name: str) -> bytes | None:
        value = cookies.get(name)
        if value is None:
            return None
        return decode_signed_value(secret, name, value, max_age_days=FRESH_MINUTES / 1440)

    try:
        raw = get_cookie_with_chunks(one, IDENTITY_COOKIE)
        claims = json.loads(raw) if raw else None
    except (ValueError, TypeError):
        return None
    if not isinstance(claims, dict) or claims.get("is_logged_in") is not True:
        return None
    return claims


def forget(cookies: dict[str, str]) -> list[bytes]:
    """``Set-Cookie`` values deleting the identity and token cookies (and their chunks)."""
    names = [IDENTITY_COOKIE, TOKENS_COOKIE, *(n for n in cookies if _CHUNK.match(n))]
    return [f"{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax".encode() for name in names]
