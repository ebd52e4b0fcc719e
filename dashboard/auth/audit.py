"""The audit log: who did what, when, from where. Append-only (database triggers refuse
changes); the app only ever inserts and reads."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from dashboard.store.audit_repo import ACTIONS, record
from dashboard.store.schema import audit_log

__all__ = ["ACTIONS", "entries", "record"]


def entries(engine: Engine, limit: int = 1000) -> pd.DataFrame:
    columns = [audit_log.c[n] for n in ("id", "at", "user_name", "address", "action", "detail")]
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).order_by(audit_log.c.id.desc()).limit(limit)).all()
    return pd.DataFrame(rows, columns=[c.name for c in columns])
