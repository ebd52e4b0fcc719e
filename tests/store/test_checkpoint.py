"""SQLite: the write-ahead log is copied back by a background thread, not inside COMMIT."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import func, insert, select

from dashboard.store import db
from dashboard.store.schema import blobs, settings


def _write_big_blob(engine, size: int) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(insert(blobs).values(sha256="x" * 64, size=size, content=os.urandom(size)))


def test_a_large_commit_reaches_the_database_file_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "big.sqlite3"
    engine = db.connect(f"sqlite:///{path}")
    assert db.wait_for_checkpoints()
    before = path.stat().st_size
    size = 6 * 1024 * 1024  # 1,500 pages: past SQLite's default threshold, below our safety net
    _write_big_blob(engine, size)
    assert db.wait_for_checkpoints()
    # Without a checkpoint the pages would still sit in big.sqlite3-wal only.
    assert path.stat().st_size - before >= size
    with engine.connect() as conn:
        assert conn.execute(select(func.length(blobs.c.content))).scalar_one() == size
    engine.dispose()


def test_the_safety_net_threshold_is_set_on_every_connection(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    with sqlite_engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
    assert pages == db.SAFETY_AUTOCHECKPOINT_PAGES


def test_an_engine_on_a_deleted_file_does_not_break_the_checkpointer(tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    engine = db.connect(f"sqlite:///{folder / 'x.sqlite3'}")
    engine.dispose()
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    db.checkpointer.request(engine)
    assert db.wait_for_checkpoints()
    other = db.connect(f"sqlite:///{tmp_path / 'y.sqlite3'}")
    _write_big_blob(other, 5 * 1024 * 1024)
    assert db.wait_for_checkpoints()
    assert (tmp_path / "y.sqlite3").stat().st_size >= 5 * 1024 * 1024
    other.dispose()


def test_a_disposed_engine_leaves_a_file_that_can_be_copied_alone(tmp_path: Path) -> None:
    """Dispose, then copy the .sqlite3 file without its -wal: the copy is whole (the demo
    fixtures and anyone backing up a stopped app do exactly this)."""
    for attempt in range(20):
        path = tmp_path / f"src{attempt}.sqlite3"
        engine = db.connect(f"sqlite:///{path}")
        _write_big_blob(engine, 5 * 1024 * 1024)
        for key in range(attempt % 4):  # commits after it: checkpoints queued or running
            with engine.begin() as conn:
                conn.execute(insert(settings).values(key=f"k{key}", value=key))
        engine.dispose()
        copy = tmp_path / f"copy{attempt}.sqlite3"
        shutil.copy(path, copy)
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("SELECT length(content) FROM blobs").fetchone() == (5 << 20,)
        conn.close()
