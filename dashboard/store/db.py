"""Engines and migrations.  One setting chooses the database: ``DATABASE_URL``."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.pool import ConnectionPoolEntry

__all__ = [
    "DEFAULT_SQLITE_PATH",
    "MIGRATIONS",
    "PROJECT_ROOT",
    "SAFETY_AUTOCHECKPOINT_PAGES",
    "SECRETS_FILE",
    "alembic_config",
    "checkpointer",
    "connect",
    "default_url",
    "is_initialised",
    "json_dumps",
    "json_loads",
    "lock",
    "lock_key",
    "make_engine",
    "serialise_migrations",
    "upgrade",
    "wait_for_checkpoints",
]

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "dashboard.sqlite3"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"


def default_url() -> str:
    """``DATABASE_URL`` if set, else ``[database] url`` of ``.streamlit/secrets.toml``
    (git-ignored), else the embedded SQLite file under ``data/``."""
    return (
        os.environ.get("DATABASE_URL")
        or _secret_database_url()
        or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    )


def _secret_database_url() -> str | None:
    if not SECRETS_FILE.is_file():
        return None
    import tomllib

    try:
        secrets = tomllib.loads(SECRETS_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        log.warning("%s could not be read; DATABASE_URL or the default is used", SECRETS_FILE)
        return None
    url = secrets.get("database", {}).get("url")
    return str(url) if url else None


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and IMMEDIATE write transactions."""
    url = url or default_url()
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith("sqlite"):
        return create_engine(
            url, pool_pre_ping=True, json_serializer=json_dumps, json_deserializer=json_loads
        )
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        json_serializer=json_dumps,
        json_deserializer=json_loads,
    )
    _tune_sqlite(engine)
    return engine


def json_dumps(value: object) -> str:
    """JSON text for the figures column (orjson: ~8× faster than json on bulk imports)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def json_loads(value: str | bytes | int | float) -> object:
    """Parse a JSON column.  SQLite's NUMERIC affinity hands a bare number back as a number."""
    if isinstance(value, int | float):
        return value
    return orjson.loads(value)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy issue BEGIN itself (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # The background checkpointer copies the WAL back after each write; SQLite's own
        # checkpoint-at-commit stays only as a safety net if that thread ever falls behind.
        cursor.execute(f"PRAGMA wal_autocheckpoint={SAFETY_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers (engine.begin()) take the write lock up front, so two uploads queue on the
        # busy timeout instead of failing on a lock upgrade; readers stay deferred and, with
        # WAL, never block a writer or each other.
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    plain_connect = engine.connect
    on_disk = engine.url.database not in (None, "", ":memory:")

    @contextlib.contextmanager
    def begin_immediate() -> Iterator[Connection]:
        with plain_connect() as conn:
            conn.execution_options(**{_IMMEDIATE: True})
            with conn.begin():
                yield conn
        if on_disk:
            checkpointer.request(engine)

    engine.begin = begin_immediate  # type: ignore[method-assign]
    plain_dispose = engine.dispose

    def dispose(close: bool = True) -> None:
        # No checkpoint may open a connection after this: whoever disposes an engine may go
        # on to copy or delete the file, which must then be whole without its -wal.
        checkpointer.forget(engine)
        plain_dispose(close)

    engine.dispose = dispose  # type: ignore[method-assign]


_IMMEDIATE = "dashboard_sqlite_immediate"
# 400 MB of WAL: reached only by a transaction that large or if the background
# checkpointer cannot keep up.
SAFETY_AUTOCHECKPOINT_PAGES = 100_000


class _Checkpointer:
    """Copies SQLite's write-ahead log back into the database file on a background thread.

    By default SQLite does this inside the COMMIT that takes the log past 1,000 pages, so a
    large upload waited ~15 ms longer (a tenth of its time) for work that affects neither
    what it stored nor its safety: a committed transaction is durable in the log, and a
    checkpoint cut short by a crash is simply redone. One daemon thread serves every engine;
    a request for an engine already waiting is not queued twice.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending: dict[int, weakref.ref[Engine]] = {}
        self._running: int | None = None  # id of the engine being checkpointed
        self._thread: threading.Thread | None = None

    def request(self, engine: Engine) -> None:
        with self._cond:
            self._pending.setdefault(id(engine), weakref.ref(engine))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="sqlite-checkpoint", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def forget(self, engine: Engine) -> None:
        """Drop a queued checkpoint of ``engine`` and wait out one that is running."""
        key = id(engine)
        with self._cond:
            self._pending.pop(key, None)
            self._cond.wait_for(lambda: self._running != key, 30.0)

    def wait(self, timeout: float = 10.0) -> bool:
        """Block until no checkpoint is queued or running; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and self._running is None, timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._pending))
                key, ref = self._pending.popitem()
                self._running = key
            try:
                engine = ref()
                if engine is not None:
                    _checkpoint(engine)
                    del engine
            finally:
                with self._cond:
                    self._running = None
                    self._cond.notify_all()


def _checkpoint(engine: Engine) -> None:
    try:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            cursor.close()
        finally:
            raw.close()
    except Exception:  # the file may be gone (tests) or locked: the next write asks again
        log.debug("background checkpoint skipped", exc_info=True)


checkpointer = _Checkpointer()
atexit.register(checkpointer.wait, 5.0)


def wait_for_checkpoints(timeout: float = 10.0) -> bool:
    """Wait for the background WAL checkpoints (benchmarks and tests; the app never waits)."""
    return checkpointer.wait(timeout)


def lock(conn: Connection, *names: str) -> None:
    """Hold named write locks until ``conn``'s transaction ends (PostgreSQL advisory locks).

    Concurrent writers of the same names queue here instead of interleaving; the names are
    taken in sorted order, so two writers never wait on each other in a circle. On SQLite a
    write transaction already holds the one database write lock (``BEGIN IMMEDIATE``), so
    there is nothing to add.
    """
    if conn.dialect.name != "postgresql":
        return
    for name in sorted(set(names)):
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (lock_key(name),))


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for an advisory lock name."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def serialise_migrations(conn: Connection, *, begun: bool = False) -> None:
    """Make concurrent migrations of one database take turns (two replicas starting at once).

    Called twice by the Alembic environment: before its transaction begins and right after.
    SQLite: the whole run is one transaction begun here with the write lock (``BEGIN
    IMMEDIATE``). Alembic would otherwise commit after each migration (it counts SQLite's DDL
    as non-transactional), and a second process taking the lock between two commits would run
    the next migration as well. PostgreSQL: an advisory lock held to the commit. Alembic reads
    the schema's version only after this, so the second process finds the first one's work
    done instead of creating the tables again.
    """
    if conn.dialect.name == "sqlite" and not begun:
        conn.execution_options(**{_IMMEDIATE: True})
        conn.begin()
    elif conn.dialect.name == "postgresql" and begun:
        lock(conn, "schema-migrations")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


_MIGRATING = threading.Lock()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (creates it on an empty database).

    One thread at a time per process: Alembic's ``context`` and ``config`` are module-level
    proxies, and two threads migrating at once (the sign-in gate's first requests arrive
    together, each in the thread pool) remove each other's proxy mid-run."""
    with _MIGRATING:
        command.upgrade(alembic_config(engine), "head")


def is_initialised(engine: Engine) -> bool:
    return inspect(engine).has_table("alembic_version") and inspect(engine).has_table("units")


def connect(url: str | None = None) -> Engine:
    """An engine whose schema is up to date."""
    engine = make_engine(url)
    upgrade(engine)
    return engine
