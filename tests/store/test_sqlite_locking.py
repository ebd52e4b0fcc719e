"""SQLite: readers never hold the write lock; writers take it up front and queue."""

from __future__ import annotations

import threading
import time

from sqlalchemy import insert, select

from dashboard.store.schema import settings


def test_open_reader_does_not_block_a_writer(sqlite_engine) -> None:
    engine = sqlite_engine
    with engine.connect() as reader:
        reader.execute(select(settings.c.key)).all()  # a read transaction is open
        with engine.begin() as writer:  # would wait 30 s if the reader held the write lock
            writer.execute(insert(settings).values(key="office_name", value="办公室"))
    with engine.connect() as conn:
        assert conn.execute(select(settings.c.value)).scalar_one() == "办公室"


def test_two_writers_queue_instead_of_failing(sqlite_engine) -> None:
    engine = sqlite_engine
    errors: list[BaseException] = []

    def write(key: str) -> None:
        try:
            with engine.begin() as conn:
                conn.execute(select(settings.c.key)).all()
                time.sleep(0.2)  # hold the write lock while the other writer arrives
                conn.execute(insert(settings).values(key=key, value=1))
        except BaseException as exc:  # noqa: BLE001 - collect for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in ("stall_weeks", "briefing_issue")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert len(conn.execute(select(settings.c.key)).all()) == 2


def test_every_write_goes_through_engine_begin() -> None:
    """Writes open with ``engine.begin()`` (BEGIN IMMEDIATE on SQLite): no module commits a
    connection it opened for reading, which would upgrade a read lock and fail under load."""
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "dashboard"
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "migrations" not in path.parts
        and any(word in path.read_text(encoding="utf-8") for word in (".commit()", "AUTOCOMMIT"))
    ]
    assert offenders == []
