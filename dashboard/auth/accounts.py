"""Local accounts: argon2id password hashes, roles and the subtree a user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, func, insert, select, update

from dashboard.store import db
from dashboard.store.schema import units, users

ROLES: dict[str, str] = {
    "admin": "管理员（全部功能，含用户、名册与设置）",
    "office": "办公室（上传、撤销导入、导出，全部单位）",
    "liaison": "联络员（在本单位及下级范围内上传与查看）",
    "viewer": "只读（在所辖范围内查看）",
}
SCOPED_ROLES = ("liaison", "viewer")
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
    engine: Engine, name: str, role: str, password: str, scope_code: str | None = None
) -> User:
    name = name.strip()
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise AccountError("用户名不能为空、不能含空格，最多 64 个字符")
    if role not in ROLES:
        raise AccountError(f"角色“{role}”不存在：可选 {'、'.join(ROLES)}")
    if role in SCOPED_ROLES and not scope_code:
        raise AccountError(f"{role} 账号须指定所辖单位（--scope 单位编码）")
    check_password_rules(password)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        db.lock(conn, "users")
        if scope_code is not None:
            known = conn.execute(select(units.c.code).where(units.c.code == scope_code)).scalar()
            if known is None:
                raise AccountError(f"单位编码“{scope_code}”不在单位名册中（注意前导零）")
        taken = conn.execute(select(users.c.id).where(users.c.name == name)).scalar()
        if taken is not None:
            raise AccountError(f"用户“{name}”已存在")
        conn.execute(
            insert(users).values(
                name=name,
                password_hash=hash_password(password),
                role=role,
                scope_code=scope_code,
                disabled=False,
                created_at=now,
                password_changed_at=now,
            )
        )
    user = find_user(engine, name)
    assert user is not None
    return user


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


def _user_query():  # type: ignore[no-untyped-def]
    return select(
        users.c.id,
        users.c.name,
        users.c.role,
        users.c.scope_code,
        users.c.disabled,
        users.c.password_changed_at,
    )


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
