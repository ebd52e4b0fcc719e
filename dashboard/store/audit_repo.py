"""The audit log's writes: one row per action, inside the transaction that did it.

Append-only: database triggers refuse UPDATE and DELETE (migration 0003); the app only
inserts here and reads through ``dashboard.auth.audit``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, insert

from dashboard.store.schema import audit_log

__all__ = ["ACTIONS", "record"]

ACTIONS: dict[str, str] = {
    "sign_in": "登录",
    "sign_in_failed": "登录失败",
    "locked_out": "锁定",
    "sign_out": "退出",
    "upload": "上传",
    "undo": "撤销导入",
    "reinstate": "恢复为当前版本",
    "export": "导出",
    "download": "下载",
    "registry": "名册变更",
    "settings": "设置变更",
    "user": "用户变更",
    "remind": "催报",
    "fill_task": "填报任务",
    "fill": "在线填报",
    "fill_review": "填报审核",
}


def record(
    target: Engine | Connection,
    action: str,
    *,
    user: str = "",
    address: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry (inside the caller's transaction when given a connection)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    values = {
        "at": dt.datetime.now(dt.UTC),
        "user_name": user[:64],
        "address": address[:64],
        "action": action,
        "detail": detail or {},
    }
    if isinstance(target, Connection):
        target.execute(insert(audit_log).values(**values))
        return
    with target.begin() as conn:
        conn.execute(insert(audit_log).values(**values))
