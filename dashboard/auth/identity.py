"""Which account an OIDC sign-in is: the provider's claims matched to an enabled account.

An identity provider (through Streamlit's ``st.login`` routes) says who someone is; it does
not make them a user of the board. The admin records an account's e-mail or OIDC subject
(``users add/set --email/--subject``); a sign-in is accepted only when it names exactly one
enabled account. The subject (``sub``) is matched first, as it never changes; the e-mail only
when the provider does not say it is unverified.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, select

from dashboard.auth.accounts import AccountError, User, normal_email, user_by_id
from dashboard.store.schema import users

__all__ = ["Match", "account_for", "who"]


@dataclass(frozen=True)
class Match:
    user: User | None
    reason: str  # why not, in Chinese (empty when matched)
    matched_by: str = ""  # "subject" | "email"


def account_for(engine: Engine, claims: Mapping[str, object]) -> Match:
    """The enabled account the claims name, or why there is none."""
    subject = _text(claims.get("sub"))
    email = _email(claims.get("email"))
    verified = claims.get("email_verified") is not False
    found: tuple[int, str] | None = None
    with engine.connect() as conn:
        if subject:
            row = conn.execute(select(users.c.id).where(users.c.oidc_subject == subject)).first()
            if row is not None:
                found = (int(row[0]), "subject")
        if found is None and email and verified:
            rows = conn.execute(select(users.c.id).where(users.c.email == email)).all()
            if len(rows) == 1:
                found = (int(rows[0][0]), "email")
    if found is None:
        return Match(None, _unknown(email, subject, verified))
    user = user_by_id(engine, found[0])
    if user is None or user.disabled:
        return Match(None, "该账号已停用，请联系管理员。")
    return Match(user, "", found[1])


def who(claims: Mapping[str, object]) -> str:
    """The identity as the audit log names it (e-mail, else subject)."""
    return _email(claims.get("email")) or _text(claims.get("sub")) or "（未知身份）"


def _unknown(email: str | None, subject: str | None, verified: bool) -> str:
    if email and not verified:
        return (
            f"身份提供方未确认邮箱 {email}，无法据此登录。"
            "请管理员用 users set 用户名 --subject 登记此人的单点登录标识。"
        )
    named = f"邮箱 {email}" if email else f"标识 {subject}" if subject else "未提供邮箱或标识"
    return (
        f"单点登录身份（{named}）没有对应的看板账号，或账号未登记此身份。"
        "请联系管理员用 users set 用户名 --email 邮箱 登记后再登录。"
    )


def _text(value: object) -> str | None:
    return value.strip()[:255] if isinstance(value, str) and value.strip() else None


def _email(value: object) -> str | None:
    try:
        return normal_email(value) if isinstance(value, str) else None
    except AccountError:
        return None
