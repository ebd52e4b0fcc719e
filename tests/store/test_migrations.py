"""The Alembic migrations build exactly the schema that schema.py declares."""

from __future__ import annotations

import pytest
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


def test_migration_0002_repairs_duplicate_current_rows(request) -> None:
    """Duplicates left by concurrent imports before 0002: the latest import's row stays."""
    import datetime as dt

    from alembic import command
    from sqlalchemy import text

    for name in ("sqlite_engine", "pg_engine"):
        engine = request.getfixturevalue(name)
        config = db.alembic_config(engine)
        command.downgrade(config, "0001")
        day = dt.date(2023, 10, 27)
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO blobs (sha256, size, content) VALUES ('s', 1, :c)"), {"c": b"x"}
            )
            for import_id in (1, 2, 3):
                conn.execute(
                    text(
                        "INSERT INTO imports (id, kind, file_name, sha256, uploaded_at, uploaded_by,"
                        " status, accepted_rows) VALUES (:i, 'return', 'f.xlsx', 's', :t, '',"
                        " 'imported', 1)"
                    ),
                    {"i": import_id, "t": dt.datetime(2023, 10, 27, tzinfo=dt.UTC)},
                )
            for import_id, unit in ((1, "A"), (3, "A"), (2, "A"), (1, "B"), (2, "C"), (3, "C")):
                conn.execute(
                    text(
                        "INSERT INTO figures (unit_code, report_date, import_id, figures, is_current)"
                        " VALUES (:u, :d, :i, '{}', :t)"
                    ),
                    {"u": unit, "d": day, "i": import_id, "t": True},
                )
        db.upgrade(engine)
        with engine.connect() as conn:
            current = conn.execute(
                text("SELECT unit_code, import_id FROM figures WHERE is_current ORDER BY unit_code")
            ).all()
            total = conn.execute(text("SELECT COUNT(*) FROM figures")).scalar_one()
        assert [tuple(row) for row in current] == [("A", 3), ("B", 1), ("C", 3)]
        assert total == 6  # the others stay as history


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_processes_migrating_one_new_database_take_turns(backend, tmp_path, request) -> None:
    """Two replicas started at once on an empty database: both come up, one schema."""
    import subprocess
    import sys
    from pathlib import Path

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    else:
        url = request.getfixturevalue("empty_pg_url")
    go = tmp_path / "go"
    code = (
        "import os, sys, time\n"
        "from dashboard.store import db\n"
        "engine = db.make_engine(sys.argv[1])\n"
        "print('ready', flush=True)\n"
        "while not os.path.exists(sys.argv[2]):\n"
        "    time.sleep(0.005)\n"
        "db.upgrade(engine)\n"
    )
    root = Path(__file__).resolve().parents[2]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, url, str(go)],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    go.touch()  # all three migrate at the same moment
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    engine = db.make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert compare_metadata(context, metadata) == []
        assert context.get_current_heads() == (db_head(),)
    engine.dispose()


def db_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(db.alembic_config(None)).get_current_head()  # type: ignore[arg-type]


def test_threads_migrating_one_database_at_once_take_turns(tmp_path) -> None:
    """The sign-in gate's first requests each open the database from the thread pool at once:
    Alembic's module-level proxies must not be torn down under another thread's migration."""
    import threading

    from dashboard.store import db

    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_it() -> None:
        start.wait()
        try:
            db.connect(url).dispose()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
