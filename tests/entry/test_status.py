"""Each unit's entry status for a week (the interface 催报 reads), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from dashboard.entry import status, tasks
from dashboard.entry.errors import EntryError
from dashboard.store import returns_repo
from dashboard.store.schema import fill_entries
from tests.entry.helpers import FRI, add_units, at


def _entry(engine, task_id: int, code: str, state: str, late: bool = False) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(fill_entries).values(
                task_id=task_id,
                unit_code=code,
                status=state,
                figures={},
                version=1,
                saved_by="u",
                saved_at=at(FRI, 1),
                late=late,
            )
        )


def test_without_a_task_nobody_is_late_and_uploads_count(any_engine) -> None:
    add_units(any_engine)
    returns_repo.save_upload(
        any_engine,
        file_name="a.xlsx",
        content=b"a",
        status="imported",
        rows=[{"unit_code": "101", "report_date": FRI, "figures": {}, "sheet": None, "row": 1}],
        uploaded_by="office",
    )
    frame = status.entry_status(any_engine, FRI, now=at(FRI + dt.timedelta(days=30), 0))
    by = dict(zip(frame["unit_code"], frame["status"], strict=True))
    assert by["101"] == "submitted" and by["1"] == "not_started"
    assert frame.set_index("unit_code").loc["101", "source"] == "upload"
    assert "101" not in status.not_submitted(any_engine, FRI)


def test_statuses_across_the_deadline(any_engine) -> None:
    add_units(any_engine)
    task = tasks.open_task(
        any_engine, FRI, opens_at=at(FRI, 0), deadline=at(FRI, 9), actor="office"
    )
    _entry(any_engine, task.id, "10101", "draft")
    _entry(any_engine, task.id, "10102", "submitted")
    _entry(any_engine, task.id, "10201", "returned")
    _entry(any_engine, task.id, "10202", "submitted", late=True)
    before = status.entry_status(any_engine, FRI, now=at(FRI, 8))
    by = dict(zip(before["unit_code"], before["label"], strict=True))
    assert by == {
        "1": "未开始",
        "101": "未开始",
        "10101": "草稿",
        "10102": "已提交",
        "102": "未开始",
        "10201": "已退回",
        "10202": "逾期补报",
    }
    after = status.entry_status(any_engine, FRI, now=at(FRI, 10))
    by = dict(zip(after["unit_code"], after["status"], strict=True))
    assert by["1"] == by["10101"] == "overdue" and by["10201"] == "returned"
    late_upload = returns_repo.save_upload(
        any_engine,
        file_name="b.xlsx",
        content=b"b",
        status="imported",
        rows=[{"unit_code": "102", "report_date": FRI, "figures": {}, "sheet": None, "row": 1}],
    )
    assert late_upload.stored_rows == 1  # uploaded now: long after the 2023 deadline
    scoped = status.entry_status(any_engine, FRI, scope_code="102", now=at(FRI, 10))
    assert list(scoped["unit_code"]) == ["102", "10201", "10202"]
    assert list(scoped["status"]) == ["late", "returned", "late"]
    assert status.not_submitted(any_engine, FRI, "102", now=at(FRI, 10)) == ["10201"]


def test_one_task_per_week(any_engine) -> None:
    tasks.open_task(any_engine, FRI - dt.timedelta(days=2))  # a Wednesday: that Friday's week
    try:
        tasks.open_task(any_engine, FRI)
    except EntryError as exc:
        assert "已经存在" in str(exc)
    else:
        raise AssertionError("a second task for one week was opened")


def test_default_deadline_is_beijing_time() -> None:
    settings = {"fill_deadline_weekday": 1, "fill_deadline_hour": 12, "fill_open_days": 3}
    opens, deadline = tasks.default_times(FRI, settings)
    assert deadline == dt.datetime(2023, 10, 30, 4, tzinfo=dt.UTC)  # Monday 12:00 +08:00
    assert opens == dt.datetime(2023, 10, 26, 16, tzinfo=dt.UTC)  # Friday 00:00 +08:00
