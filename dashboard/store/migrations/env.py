"""Alembic environment: runs against the engine handed over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from dashboard.store.db import make_engine, serialise_migrations
from dashboard.store.schema import metadata

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine()
    with engine.connect() as connection:
        serialise_migrations(connection)
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            serialise_migrations(connection, begun=True)
            context.run_migrations()
        connection.commit()


run_migrations_online()
