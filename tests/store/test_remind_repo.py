"""催报 storage on SQLite and PostgreSQL: claims, the lease, notices, who has figures."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from dashboard.store import remind_repo
from dashboard.store.schema import reminders
from tests.remind.conftest import DAY, seed


def _claim(engine: Engine, slot: str | None, recipient: str = "张三") -> int | None:
    return remind_repo.claim(
        engine,
        task_id=None,
        actor="t",
        channel="wecom",
        recipient=recipient,
        unit_codes=["C01"],
        message="m",
        slot=slot,
    )


def test_a_slot_is_claimed_once_per_channel_and_recipient(any_engine: Engine) -> None:
    first = _claim(any_engine, "20261127|b1@1000|20261126")
    assert first is not None
    assert _claim(any_engine, "20261127|b1@1000|20261126") is None
    assert _claim(any_engine, "20261127|b1@1000|20261126", recipient="李明") is not None
    # manual sends carry no slot: as many as the office presses
    assert _claim(any_engine, None) is not None and _claim(any_engine, None) is not None
    remind_repo.finish(any_engine, first, "HTTP 500")
    with any_engine.connect() as conn:
        row = conn.execute(select(reminders).where(reminders.c.id == first)).one()
    assert (row.status, row.error) == ("failed", "HTTP 500")
    log = remind_repo.load_log(any_engine)
    assert len(log) == 4 and set(log["status"]) == {"failed", "sending"}


def test_the_lease_has_one_holder_until_it_expires(any_engine: Engine) -> None:
    ttl = dt.timedelta(seconds=60)
    assert remind_repo.take_lease(any_engine, "x", "a", ttl)
    assert not remind_repo.take_lease(any_engine, "x", "b", ttl)
    assert remind_repo.take_lease(any_engine, "x", "a", ttl)  # renewal
    holder = remind_repo.lease_holder(any_engine, "x")
    assert holder is not None and holder[0] == "a"
    remind_repo.take_lease(any_engine, "x", "a", dt.timedelta(seconds=-1))  # lapses
    assert remind_repo.take_lease(any_engine, "x", "b", ttl)
    assert not remind_repo.take_lease(any_engine, "x", "a", ttl)
    remind_repo.release_lease(any_engine, "x", "b")
    assert remind_repo.take_lease(any_engine, "x", "a", ttl)


def test_notices_are_read_by_their_recipient_only(any_engine: Engine) -> None:
    first = remind_repo.add_notice(any_engine, "dong", "请报送")
    remind_repo.add_notice(any_engine, "xi", "请报送")
    assert list(remind_repo.unread_notices(any_engine, "dong")["id"]) == [first]
    assert remind_repo.mark_read(any_engine, [first], "xi") == 0  # not theirs
    assert remind_repo.mark_read(any_engine, [first], "dong") == 1
    assert remind_repo.unread_notices(any_engine, "dong").empty


def test_the_weeks_task(any_engine: Engine) -> None:
    seed(any_engine)
    task = remind_repo.task_for(any_engine, DAY)
    assert task is not None and task.deadline.tzinfo is not None
