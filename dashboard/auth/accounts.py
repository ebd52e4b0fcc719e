"""Local accounts: argon2id password hashes, roles and the subtree a user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, Select, func, insert, select, update

from dashboard.store import db
from dashboard.store.schema import units, users

__all__ = [
    "ENTRY_MODES",
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "SCOPED_ROLES",
    "UNSET",
    "USER_COLUMNS",
    "AccountError",
    "Unset",
    "User",
    "add_user",
    "any_users",
    "check_password_rules",
    "find_user",
    "hash_password",
    "list_users",
    "normal_email",
    "set_disabled",
    "set_password",
    "update_user",
    "user_by_id",
    "verify",
]

ROLES: dict[str, str] = {
    "admin": "管理员（全部功能，含用户、名册与设置）",
    "office": "办公室（上传、撤销导入、导出，全部单位）",
    "liaison": "联络员（在本单位及下级范围内上传与查看）",
    "viewer": "只读（在所辖范围内查看）",
}
SCOPED_ROLES = ("liaison", "viewer")
ENTRY_MODES: dict[str, str] = {
    "subtree": "可为所辖范围内各单位填报",
    "self": "只为本单位填报",
}
MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()  # argon2id with the library's current parameters


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why, in Chinese."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    scope_code: str | None
    disabled: bool
    password_changed_at: dt.datetime | None
    email: str | None = None
    oidc_subject: str | None = None
    entry_mode: str = "subtree"


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符")
    if password.strip() != password or not password.strip():
        raise AccountError("密码首尾不能是空格")


def any_users(engine: Engine) -> bool:
    """Does any account exist? (None: the board runs in single-user local mode.)"""
    with engine.connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(users)).scalar_one())


def add_user(
    engine: Engine,
    name: str,
    role: str,
    password: str | None,
    scope_code: str | None = None,
    *,
    email: str | None = None,
    oidc_subject: str | None = None,
    entry_mode: str = "subtree",
) -> User:
    """A new account. ``password`` None: the account signs in only through OIDC (by
    ``email`` or ``oidc_subject``) or the trusted proxy, never with a password."""
    name = name.strip()
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise AccountError("用户名不能为空、不能含空格，最多 64 个字符")
    _check_role_scope(role, scope_code)
    _check_entry_mode(entry_mode)
    email, oidc_subject = normal_email(email), _normal_subject(oidc_subject)
    if password is None and email is None and oidc_subject is None:
        raise AccountError("不设密码的账号须指定 --email 或 --subject（通过单点登录进入）")
    if password is not None:
        check_password_rules(password)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        db.lock(conn, "users")
        _check_scope_known(conn, scope_code)
        taken = conn.execute(select(users.c.id).where(users.c.name == name)).scalar()
        if taken is not None:
            raise AccountError(f"用户“{name}”已存在")
        _check_identity_free(conn, None, email, oidc_subject)
        conn.execute(
            insert(users).values(
                name=name,
                password_hash=hash_password(password) if password is not None else None,
                role=role,
                scope_code=scope_code,
                disabled=False,
                created_at=now,
                password_changed_at=now,
                email=email,
                oidc_subject=oidc_subject,
                entry_mode=entry_mode,
            )
        )
    user = find_user(engine, name)
    assert user is not None
    return user


class Unset:
    """Marks an option of :func:`update_user` that was not given (None clears a value)."""


UNSET = Unset()


def update_user(
    engine: Engine,
    name: str,
    *,
    role: str | Unset = UNSET,
    scope_code: str | None | Unset = UNSET,
    email: str | None | Unset = UNSET,
    oidc_subject: str | None | Unset = UNSET,
    entry_mode: str | Unset = UNSET,
) -> tuple[User, dict[str, object]]:
    """Change what is given; returns the user after and the changed fields (old → new).

    A role or scope change takes effect on the user's next action: every request reads the
    account afresh.
    """
    before = find_user(engine, name)
    if before is None:
        raise AccountError(f"没有用户“{name}”")
    values: dict[str, object] = {}
    new_role = before.role if isinstance(role, Unset) else role
    new_scope = before.scope_code if isinstance(scope_code, Unset) else (scope_code or None)
    if not isinstance(role, Unset) or not isinstance(scope_code, Unset):
        _check_role_scope(new_role, new_scope)
        values.update(role=new_role, scope_code=new_scope)
    if not isinstance(entry_mode, Unset):
        _check_entry_mode(entry_mode)
        values["entry_mode"] = entry_mode
    new_email = None if isinstance(email, Unset) else normal_email(email)
    new_subject = None if isinstance(oidc_subject, Unset) else _normal_subject(oidc_subject)
    if not isinstance(email, Unset):
        values["email"] = new_email
    if not isinstance(oidc_subject, Unset):
        values["oidc_subject"] = new_subject
    with engine.begin() as conn:
        db.lock(conn, "users")
        if "scope_code" in values:
            _check_scope_known(conn, new_scope)
        _check_identity_free(conn, before.id, new_email, new_subject)
        if values:
            conn.execute(update(users).where(users.c.id == before.id).values(**values))
    after = user_by_id(engine, before.id)
    assert after is not None
    changed: dict[str, object] = {
        key: [getattr(before, key), value]
        for key, value in values.items()
        if getattr(before, key) != value
    }
    return after, changed


def normal_email(email: str | None) -> str | None:
    """Lower-case and trimmed; None or blank: no e-mail. Refuses what is not an address."""
    if email is None or not email.strip():
        return None
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or any(ch.isspace() for ch in email):
        raise AccountError(f"“{email}”不是电子邮箱地址")
    if len(email) > 254:
        raise AccountError("电子邮箱地址最多 254 个字符")
    return email


def _normal_subject(subject: str | None) -> str | None:
    if subject is None or not subject.strip():
        return None
    subject = subject.strip()
    if len(subject) > 255:
        raise AccountError("单点登录标识（subject）最多 255 个字符")
    return subject


def _check_role_scope(role: str, scope_code: str | None) -> None:
    if role not in ROLES:
        raise AccountError(f"角色“{role}”不存在：可选 {'、'.join(ROLES)}")
    if role in SCOPED_ROLES and not scope_code:
        raise AccountError(f"{role} 账号须指定所辖单位（--scope 单位编码）")


def _check_entry_mode(entry_mode: str) -> None:
    if entry_mode not in ENTRY_MODES:
        raise AccountError(f"填报方式“{entry_mode}”不存在：可选 {'、'.join(ENTRY_MODES)}")


def _check_scope_known(conn: Connection, scope_code: str | None) -> None:
    if scope_code is None:
        return
    known = conn.execute(select(units.c.code).where(units.c.code == scope_code)).scalar()
    if known is None:
        raise AccountError(f"单位编码“{scope_code}”不在单位名册中（注意前导零）")


def _check_identity_free(
    conn: Connection, user_id: int | None, email: str | None, subject: str | None
) -> None:
    """One account per e-mail and per OIDC subject, so a sign-in maps to one account."""
    for column, value, label in (
        (users.c.email, email, "电子邮箱"),
        (users.c.oidc_subject, subject, "单点登录标识"),
    ):
        if value is None:
            continue
        query = select(users.c.name).where(column == value)
        if user_id is not None:
            query = query.where(users.c.id != user_id)
        holder = conn.execute(query).scalar()
        if holder is not None:
            raise AccountError(f"{label}“{value}”已属于用户“{holder}”")


def find_user(engine: Engine, name: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(_user_query().where(users.c.name == name)).first()
    return User(*row) if row else None


def user_by_id(engine: Engine, user_id: int) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(_user_query().where(users.c.id == user_id)).first()
    return User(*row) if row else None


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        return [User(*row) for row in conn.execute(_user_query().order_by(users.c.name))]


USER_COLUMNS = (
    users.c.id,
    users.c.name,
    users.c.role,
    users.c.scope_code,
    users.c.disabled,
    users.c.password_changed_at,
    users.c.email,
    users.c.oidc_subject,
    users.c.entry_mode,
)
"""The columns a ``User`` is made of, in its fields' order (``User(*row)``)."""


def _user_query() -> Select[*tuple[Any, ...]]:
    return select(*USER_COLUMNS)


def verify(engine: Engine, name: str, password: str) -> User | None:
    """The user when ``password`` is theirs and the account is enabled, else None.

    A name that does not exist costs a hash as well, so timing does not tell which names do.
    """
    with engine.connect() as conn:
        row = conn.execute(
            select(users.c.id, users.c.password_hash, users.c.disabled).where(users.c.name == name)
        ).first()
    stored = row[1] if row and row[1] else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or row[1] is None or row[2]:
        return None
    if _HASHER.check_needs_rehash(stored):
        with engine.begin() as conn:
            conn.execute(
                update(users)
                .where(users.c.id == row[0])
                .values(password_hash=hash_password(password))
            )
    return user_by_id(engine, int(row[0]))


_DUMMY_HASH = _HASHER.hash("not a password anyone has")


def set_password(engine: Engine, name: str, password: str) -> None:
    """A new password; every session of the user ends (they were made before it)."""
    check_password_rules(password)
    with engine.begin() as conn:
        done = conn.execute(
            update(users)
            .where(users.c.name == name)
            .values(
                password_hash=hash_password(password), password_changed_at=dt.datetime.now(dt.UTC)
            )
        ).rowcount
    if not done:
        raise AccountError(f"没有用户“{name}”")


def set_disabled(engine: Engine, name: str, disabled: bool = True) -> None:
    with engine.begin() as conn:
        done = conn.execute(
            update(users).where(users.c.name == name).values(disabled=disabled)
        ).rowcount
    if not done:
        raise AccountError(f"没有用户“{name}”")
