"""Shared fixtures: a migrated database on SQLite and, for storage tests, on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from dashboard.store import db

PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> bool:
    try:
        with create_engine(PG_ADMIN_URL).connect() as conn:
            conn.execute(text("select 1"))
        return True
    except Exception:
        return False


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:
    """A fresh, migrated SQLite database in a temporary folder."""
    eng = db.connect(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    yield eng
    eng.dispose()


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    """A fresh, migrated PostgreSQL database (created and dropped around the test)."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is not reachable")
        pytest.skip("PostgreSQL not reachable")
    name = f"dash_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    eng = db.connect(url)
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request) -> Engine:
    """The same test on SQLite and on PostgreSQL."""
    return request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
