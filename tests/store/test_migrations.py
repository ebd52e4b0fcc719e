"""The Alembic migrations build exactly the schema that schema.py declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dashboard.store import db
from dashboard.store.schema import metadata


def test_migrated_database_matches_declared_schema(any_engine) -> None:
    with any_engine.connect() as conn:
        context = MigrationContext.configure(conn)
        diff = compare_metadata(context, metadata)
    # server defaults are not compared by default; types/columns/tables/indexes are
    assert diff == []


def test_upgrade_is_idempotent(engine) -> None:
    db.upgrade(engine)
    db.upgrade(engine)
    assert db.is_initialised(engine)
