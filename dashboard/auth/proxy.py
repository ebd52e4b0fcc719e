"""Trusted-header sign-in behind a reverse proxy that authenticates people (Authelia,
oauth2-proxy …): off unless trusted proxy addresses are configured.

``Remote-User`` names the account, and is believed only on a request that comes from one of
the configured addresses; the proxy must strip any ``Remote-User`` a client sends, and the
app must be reachable only through it (README, "for many users").
"""

from __future__ import annotations

import os

from sqlalchemy import Engine

from dashboard.auth.accounts import User, find_user

__all__ = ["ENV", "HEADER", "trusted_addresses", "user_from_proxy"]

HEADER = "remote-user"
ENV = "DASHBOARD_TRUSTED_PROXIES"


def trusted_addresses() -> frozenset[str]:
    """From ``DASHBOARD_TRUSTED_PROXIES`` (comma-separated), else ``[auth_proxy]
    trusted_addresses`` of ``.streamlit/secrets.toml``; empty: the mode is off."""
    raw = os.environ.get(ENV)
    if raw is not None:
        return frozenset(a.strip() for a in raw.split(",") if a.strip())
    from dashboard.store.db import SECRETS_FILE

    if not SECRETS_FILE.is_file():
        return frozenset()
    import tomllib

    try:
        secrets = tomllib.loads(SECRETS_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return frozenset()
    return frozenset(str(a) for a in secrets.get("auth_proxy", {}).get("trusted_addresses", []))


def user_from_proxy(engine: Engine, address: str, remote_user: str | None) -> User | None:
    """The enabled account the trusted proxy names, or None (untrusted sender, no header,
    unknown or disabled account)."""
    if not remote_user or address not in trusted_addresses():
        return None
    user = find_user(engine, remote_user.strip())
    return user if user is not None and not user.disabled else None
