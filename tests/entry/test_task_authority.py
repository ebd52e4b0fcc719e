"""Opening, closing and reopening a 填报 task is the office's: the door refuses anyone else,
whatever the page shows (an attack: a liaison calls the door directly), on both backends."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard import door
from dashboard.entry import status, tasks
from dashboard.entry.errors import EntryError
from tests.entry.helpers import FRI, add_units, at


@pytest.mark.parametrize(
    "viewer",
    [
        door.Viewer("jia", "liaison", "101"),
        door.Viewer("city", "liaison", "1"),
        door.Viewer("look", "viewer", None),
    ],
    ids=["county-liaison", "city-liaison", "viewer"],
)
def test_only_the_office_opens_or_closes_a_task(any_engine, viewer: door.Viewer) -> None:
    add_units(any_engine)
    with pytest.raises(door.DoorError, match="无权开放或关闭填报任务"):
        door.open_fill_task(
            any_engine,
            viewer,
            FRI,
            opens_at=at(FRI, 0) - dt.timedelta(days=2),
            deadline=at(FRI, 0) + dt.timedelta(days=2),
        )
    assert tasks.list_tasks(any_engine).empty  # nothing opened

    opened = door.open_fill_task(
        any_engine,
        door.Viewer("boss", "office"),
        FRI,
        opens_at=at(FRI, 0) - dt.timedelta(days=2),
        deadline=at(FRI, 0) + dt.timedelta(days=2),
    )
    with pytest.raises(door.DoorError, match="无权开放或关闭填报任务"):
        door.update_fill_task(any_engine, viewer, opened.id, closed=True)
    task = status.task_for(any_engine, FRI)
    assert task is not None and task.closed_at is None  # still open

    door.update_fill_task(any_engine, door.Viewer("root", "admin"), opened.id, closed=True)
    task = status.task_for(any_engine, FRI)
    assert task is not None and task.closed_at is not None
    with pytest.raises(door.DoorError):
        door.update_fill_task(any_engine, viewer, opened.id, closed=False)  # nor reopen it
    task = status.task_for(any_engine, FRI)
    assert task is not None and task.closed_at is not None


def test_local_mode_acts_as_the_office(any_engine) -> None:
    add_units(any_engine)
    opened = door.open_fill_task(
        any_engine, None, FRI, scope_code="101", opens_at=at(FRI, 1), deadline=at(FRI, 11)
    )
    assert opened.scope_code == "101"
    assert door.may_manage_tasks(None)
    assert not door.may_manage_tasks(door.Viewer("jia", "liaison", "101"))
    door.update_fill_task(any_engine, None, opened.id, closed=True)
    closed = status.task_for(any_engine, FRI)
    assert closed is not None and closed.closed_at is not None
    assert closed.deadline - closed.opens_at == dt.timedelta(hours=10)


def test_the_office_moves_the_opening_and_the_deadline_but_never_crosses_them(
    any_engine,
) -> None:
    add_units(any_engine)
    office = door.Viewer("boss", "office")
    opened = door.open_fill_task(any_engine, office, FRI, opens_at=at(FRI, 8), deadline=at(FRI, 12))
    with pytest.raises(door.DoorError):  # a liaison may not move it either
        door.update_fill_task(
            any_engine, door.Viewer("jia", "liaison", "101"), opened.id, opens_at=at(FRI, 1)
        )
    door.update_fill_task(any_engine, office, opened.id, opens_at=at(FRI, 6))
    moved = status.task_for(any_engine, FRI)
    assert moved is not None and moved.opens_at == at(FRI, 6) and moved.deadline == at(FRI, 12)
    for change in (
        {"opens_at": at(FRI, 13)},  # opening after the stored deadline
        {"deadline": at(FRI, 5)},  # deadline before the stored opening
        {"opens_at": at(FRI, 10), "deadline": at(FRI, 10)},  # both, equal
    ):
        with pytest.raises(EntryError, match="截止时间早于开放时间"):
            door.update_fill_task(any_engine, office, opened.id, **change)
    kept = status.task_for(any_engine, FRI)
    assert kept is not None and (kept.opens_at, kept.deadline) == (at(FRI, 6), at(FRI, 12))
    door.update_fill_task(any_engine, office, opened.id, opens_at=at(FRI, 13), deadline=at(FRI, 20))
    both = status.task_for(any_engine, FRI)
    assert both is not None and (both.opens_at, both.deadline) == (at(FRI, 13), at(FRI, 20))
