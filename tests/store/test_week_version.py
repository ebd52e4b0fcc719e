"""A week's data version (``repo.week_version``) changes with every write dated up to that
week — figures, undo, reinstate, reset, 填报 tasks, drafts and submissions, the registry and
the settings — and with nothing dated after it, on SQLite and PostgreSQL. The counters are
kept by database triggers (migration 0005), so a write path the code forgets still counts."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select, update

from dashboard.entry import entries, tasks
from dashboard.store import repo, reset, returns_repo
from dashboard.store.schema import figures, units, week_changes
from tests.entry.helpers import FRI, PREV, add_units, at

NEXT = FRI + dt.timedelta(days=7)
OFFICE = entries.Actor("office", "office")


def _versions(engine) -> dict[dt.date, str]:
    registry = repo.data_version_parts(engine).registry
    return {day: repo.week_version(engine, day, registry) for day in (PREV, FRI, NEXT)}


def _changed(before: dict[dt.date, str], after: dict[dt.date, str]) -> set[dt.date]:
    return {day for day in before if before[day] != after[day]}


def _upload(engine, day: dt.date, content: bytes, value: int, *also: dt.date) -> int:
    rows: list[returns_repo.FigureRow] = [
        {
            "unit_code": code,
            "report_date": d,
            "figures": {"problems_found": value},
            "sheet": "Sheet1",
            "row": 3 + i,
        }
        for d in (day, *also)
        for i, code in enumerate(("10101", "10102"))
    ]
    saved = returns_repo.save_upload(
        engine,
        file_name=f"{day}.xlsx",
        content=content,
        status="imported",
        rows=rows,
        report_date=day,
    )
    return saved.import_id


def test_an_import_changes_its_week_and_the_later_ones_only(any_engine) -> None:
    add_units(any_engine)
    before = _versions(any_engine)
    _upload(any_engine, FRI, b"fri", 1)
    after = _versions(any_engine)
    assert _changed(before, after) == {FRI, NEXT}  # PREV's report does not read FRI

    _upload(any_engine, NEXT, b"next", 2)
    assert _changed(after, _versions(any_engine)) == {NEXT}


def test_an_import_of_several_weeks_counts_in_each(any_engine) -> None:
    add_units(any_engine)
    before = _versions(any_engine)
    _upload(any_engine, NEXT, b"two weeks", 3, PREV)  # its import row names NEXT only
    assert _changed(before, _versions(any_engine)) == {PREV, FRI, NEXT}


def test_undo_reinstate_and_a_replacing_upload_change_the_week(any_engine) -> None:
    add_units(any_engine)
    first = _upload(any_engine, FRI, b"first", 1)
    before = _versions(any_engine)
    second = _upload(any_engine, FRI, b"second", 2)  # replaces the current rows
    replaced = _versions(any_engine)
    assert _changed(before, replaced) == {FRI, NEXT}
    assert returns_repo.reinstate_import(any_engine, first) == 2  # the earlier version chosen
    reinstated = _versions(any_engine)
    assert _changed(replaced, reinstated) == {FRI, NEXT}
    assert returns_repo.undo_import(any_engine, second) == 2
    assert _changed(reinstated, _versions(any_engine)) == {FRI, NEXT}


def test_a_direct_update_of_figures_is_counted_by_the_database(any_engine) -> None:
    """No code path has to remember: the triggers count any statement."""
    add_units(any_engine)
    _upload(any_engine, FRI, b"fri", 1)
    before = _versions(any_engine)
    with any_engine.begin() as conn:
        conn.execute(update(figures).where(figures.c.report_date == FRI).values(row=9))
    assert _changed(before, _versions(any_engine)) == {FRI, NEXT}
    with any_engine.connect() as conn:
        days = [row[0] for row in conn.execute(select(week_changes.c.report_date))]
    assert days == [FRI]


def test_entry_tasks_drafts_and_submissions_change_their_week(any_engine) -> None:
    add_units(any_engine)
    before = _versions(any_engine)
    task = tasks.open_task(any_engine, FRI, opens_at=at(FRI, 0), deadline=at(FRI, 12))
    opened = _versions(any_engine)
    assert _changed(before, opened) == {FRI, NEXT}

    entries.save_drafts(any_engine, task, OFFICE, {"10101": {"problems_found": "3"}}, {"10101": 0})
    drafted = _versions(any_engine)
    assert _changed(opened, drafted) == {FRI, NEXT}

    current = entries.load_entries(any_engine, task.id)
    entries.submit(
        any_engine,
        task,
        OFFICE,
        {"10101": {"problems_found": "4"}},
        {"10101": current["10101"].version},
        confirm_warnings=True,
        now=at(FRI, 1),
    )
    submitted = _versions(any_engine)
    assert _changed(drafted, submitted) == {FRI, NEXT}

    tasks.update_task(any_engine, task.id, deadline=at(FRI, 18))
    assert _changed(submitted, _versions(any_engine)) == {FRI, NEXT}


def test_a_deadline_passing_changes_the_week_without_a_write(any_engine) -> None:
    add_units(any_engine)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    tasks.open_task(any_engine, FRI, opens_at=soon - dt.timedelta(hours=1), deadline=soon)
    before = _versions(any_engine)
    time.sleep(max(0.0, (soon - dt.datetime.now(dt.UTC)).total_seconds()) + 0.05)
    assert _changed(before, _versions(any_engine)) == {FRI, NEXT}


def test_the_registry_and_the_settings_change_every_week(any_engine) -> None:
    add_units(any_engine)
    _upload(any_engine, FRI, b"fri", 1)
    before = _versions(any_engine)
    with any_engine.begin() as conn:
        conn.execute(
            update(units)
            .where(units.c.code == "10101")
            .values(name="改名镇", updated_at=dt.datetime.now(dt.UTC))
        )
    renamed = _versions(any_engine)
    assert _changed(before, renamed) == {PREV, FRI, NEXT}
    repo.set_settings(any_engine, {"campaign_name": "另一个活动"})
    assert _changed(renamed, _versions(any_engine)) == {PREV, FRI, NEXT}


def test_a_reset_changes_the_weeks_it_empties(any_engine, tmp_path) -> None:
    add_units(any_engine)
    _upload(any_engine, FRI, b"fri", 1)
    before = _versions(any_engine)
    reset.reset(any_engine, server_backup_confirmed=True, backup_directory=tmp_path)
    after = _versions(any_engine)
    assert FRI in _changed(before, after) and PREV in _changed(before, after)  # registry gone
    # a new upload after the reset never comes back to a version seen before it
    add_units(any_engine)
    _upload(any_engine, FRI, b"fri", 1)
    assert _versions(any_engine)[FRI] not in (before[FRI], after[FRI])
