"""First start: an empty database gets the schema and the demo city."""

from __future__ import annotations

from sqlalchemy import Engine

from dashboard.store import db, repo


def ensure_database(engine: Engine) -> bool:
    """Migrate; load the demo data when the registry is empty.  True if the demo was loaded."""
    db.upgrade(engine)
    if repo.unit_count(engine) > 0:
        return False
    from dashboard.demo import load_demo

    load_demo(engine)
    return True
