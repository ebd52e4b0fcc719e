"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

``engine`` (and its alias ``any_engine``) is parametrised over both backends, so a test that
asks for a database runs twice: ``test_x[sqlite]`` and ``test_x[postgresql]``. A test about
SQLite itself (WAL, ``BEGIN IMMEDIATE``) asks for ``sqlite_engine``; one that needs only
PostgreSQL asks for ``pg_engine``.

PostgreSQL is made cheap: each test process migrates one template database once, and each
test gets that process's own working database emptied back to the migrated state (every
table's rows deleted with triggers off, sequences restarted: ~0.1 s, where a CREATE DATABASE
from the template took ~1 s and a migration ~2 s here). A test that changes the schema (a
downgrade) is noticed and the working database is made again from the template. Test
databases commit without waiting for the disk (``synchronous_commit=off``): a crash of the
server could lose them, which for a test database does not matter; what a transaction sees
and locks is unchanged.

Without a reachable server the PostgreSQL variants skip, and the report header says why;
on CI (``CI`` set) they fail instead: CI never skips a backend.
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from dashboard.store import db

PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")
_PREFIX = "dashtest"
# Test databases only: commits return before the disk write (see the module docstring).
_FAST_COMMIT = {"options": "-c synchronous_commit=off"}


@functools.cache
def pg_unavailable() -> str | None:
    """Why PostgreSQL cannot be used for tests, or None when it can."""
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure is a reason to report
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"PostgreSQL at {make_url(PG_ADMIN_URL).render_as_string()} unreachable: {first_line}"
        )
    return None


def require_pg() -> None:
    """Skip (or, on CI, fail) the calling test when PostgreSQL is not reachable."""
    reason = pg_unavailable()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI never skips PostgreSQL)")
    pytest.skip(reason)


def pytest_report_header(config: pytest.Config) -> str:
    reason = pg_unavailable()
    if reason is None:
        return f"PostgreSQL: {make_url(PG_ADMIN_URL).render_as_string()} (database tests run on SQLite and PostgreSQL)"
    if os.environ.get("CI"):
        return f"PostgreSQL: {reason}; CI: the PostgreSQL variants will FAIL"
    return f"PostgreSQL: {reason}; the PostgreSQL variants are SKIPPED"


def pg_url(name: str) -> str:
    """The URL of test database ``name`` on the test server (with the fast-commit option)."""
    url = make_url(PG_ADMIN_URL).set(database=name).update_query_dict(_FAST_COMMIT)
    return url.render_as_string(hide_password=False)


class PgDatabases:
    """This test process's databases on the shared server: one migrated template, and a
    working database reset between tests. Names carry the process id, so parallel runs (and
    other people's) never meet; databases of processes that no longer run are swept."""

    def __init__(self) -> None:
        self.stem = f"{_PREFIX}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.template = f"{self.stem}_tpl"
        self.work = f"{self.stem}_w"
        self.head: str | None = None
        self._tables: list[str] = []
        self._sequences: list[str] = []
        self._made: list[str] = []
        self._work_engine: Engine | None = None

    def _admin(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(sql)

    def sweep(self) -> None:
        """Drop test databases left by test processes that were killed."""
        with self.admin.connect() as conn:
            names = conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                {"p": f"{_PREFIX}\\_%"},
            ).scalars()
            stale = [n for n in names if not _owner_alive(n)]
        for name in stale:
            with contextlib.suppress(Exception):
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _ensure_template(self) -> None:
        if self.head is not None:
            return
        self.sweep()
        self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')  # a failed try
        self._admin(f'CREATE DATABASE "{self.template}"')
        if self.template not in self._made:
            self._made.append(self.template)
        engine = db.connect(pg_url(self.template))
        with engine.connect() as conn:
            self.head = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            self._tables = list(
                conn.exec_driver_sql(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'alembic_version' ORDER BY tablename"
                ).scalars()
            )
            self._sequences = list(
                conn.exec_driver_sql(
                    "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename)"
                    " FROM pg_sequences WHERE schemaname = 'public'"
                ).scalars()
            )
        engine.dispose()
        # A template must have no connections when it is copied.
        self._admin(f'ALTER DATABASE "{self.template}" WITH IS_TEMPLATE true')

    def fresh(self) -> str:
        """A new database copied from the template; the caller drops it (``drop``)."""
        self._ensure_template()
        name = f"{self.stem}_{uuid.uuid4().hex[:8]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self._made.append(name)
        return name

    def empty(self) -> str:
        """A new database without any table; the caller drops it (``drop``)."""
        name = f"{self.stem}_{uuid.uuid4().hex[:8]}"
        self._admin(f'CREATE DATABASE "{name}"')
        self._made.append(name)
        return name

    def drop(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self._made:
            self._made.remove(name)

    def working(self) -> str:
        """The URL of this process's working database, empty and migrated."""
        self._ensure_template()
        if self.work not in self._made or not self._reset():
            self.drop(self.work)
            self._admin(f'CREATE DATABASE "{self.work}" TEMPLATE "{self.template}"')
            self._made.append(self.work)
        return pg_url(self.work)

    def _reset(self) -> bool:
        """Empty the working database; False when it cannot be (its schema was changed)."""
        if self._work_engine is None:
            self._work_engine = create_engine(pg_url(self.work), pool_size=1)
        try:
            with self._work_engine.begin() as conn:
                conn.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
                # Connections a test left open (engines not disposed) hold nothing we need.
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                if version != self.head:
                    return False
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                for table in self._tables:
                    conn.exec_driver_sql(f'DELETE FROM "{table}"')
                for sequence in self._sequences:
                    conn.exec_driver_sql(f"ALTER SEQUENCE {sequence} RESTART")
            return True
        except Exception:  # noqa: BLE001 - whatever went wrong, a new copy mends it
            self._work_engine.dispose()
            self._work_engine = None
            return False

    def close(self) -> None:
        if self._work_engine is not None:
            self._work_engine.dispose()
        for name in [*self._made]:
            if name != self.template:
                with contextlib.suppress(Exception):
                    self.drop(name)
        if self.template in self._made:
            with contextlib.suppress(Exception):
                self._admin(f'ALTER DATABASE "{self.template}" WITH IS_TEMPLATE false')
                self.drop(self.template)
        self.admin.dispose()


def _owner_alive(name: str) -> bool:
    """Whether the test process that made database ``name`` still runs (this machine)."""
    try:
        pid = int(name.split("_")[1])
    except (IndexError, ValueError):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(autouse=True)
def _databases_off_the_project(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test writes the office's or the demo's database under ``data/``: both default URLs
    point at a private folder unless the test sets its own, and a test that still creates the
    project's database file fails, naming itself."""
    folder = tmp_path_factory.mktemp("default-databases")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{folder / 'office.sqlite3'}")
    monkeypatch.setenv("DEMO_DATABASE_URL", f"sqlite:///{folder / 'demo.sqlite3'}")
    existed = db.DEFAULT_SQLITE_PATH.exists()
    yield
    if not existed and db.DEFAULT_SQLITE_PATH.exists():
        db.DEFAULT_SQLITE_PATH.unlink()
        pytest.fail(f"the test wrote the project's own database {db.DEFAULT_SQLITE_PATH}")


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PgDatabases]:
    require_pg()
    databases = PgDatabases()
    yield databases
    databases.close()


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    """A fresh, migrated SQLite database in a temporary folder."""
    eng = db.connect(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    yield eng
    eng.dispose()


@pytest.fixture
def pg_engine(pg_databases: PgDatabases) -> Iterator[Engine]:
    """An empty, migrated PostgreSQL database (this process's working one, reset)."""
    eng = db.make_engine(pg_databases.working())
    yield eng
    eng.dispose()


@pytest.fixture
def fresh_pg_url(pg_databases: PgDatabases) -> Iterator[str]:
    """A PostgreSQL database of its own, migrated, dropped after the test (for tests that
    need a second database, such as restoring a dump)."""
    name = pg_databases.fresh()
    yield pg_url(name)
    pg_databases.drop(name)


@pytest.fixture
def empty_pg_url(pg_databases: PgDatabases) -> Iterator[str]:
    """A PostgreSQL database with no schema at all, dropped after the test."""
    name = pg_databases.empty()
    yield pg_url(name)
    pg_databases.drop(name)


@pytest.fixture(params=BACKENDS)
def engine(request) -> Engine:
    """A fresh, migrated database: the test runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


@pytest.fixture
def any_engine(engine: Engine) -> Engine:
    """The same as ``engine`` (older tests' name for it)."""
    return engine


def engine_url(engine: Engine) -> str:
    """The URL a subprocess (the CLI, a server) needs to open the same database."""
    return engine.url.render_as_string(hide_password=False)
