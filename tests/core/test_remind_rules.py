"""Automatic 催报 rules: read from the office's text, turned into slots around a deadline."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dashboard.core import remind_rules, settings
from dashboard.core.remind_rules import RuleError, parse_rule

TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 27)
DEADLINE = dt.datetime(2026, 11, 28, 18, 0, tzinfo=TZ)


def test_rules_are_read_in_the_offices_words() -> None:
    assert parse_rule("截止前1天 10:00").code == "b1@1000"
    assert parse_rule("截止前 2 天 8：30").label == "截止前2天 08:30"
    assert parse_rule("截止当天09:00").label == "截止当天 09:00"
    assert parse_rule("逾期每天 09:00").kind == "overdue"
    for bad in ("明天 10:00", "截止前1天 25:00", "逾期每天", "截止前1天 10:61"):
        with pytest.raises(RuleError):
            parse_rule(bad)


def test_the_settings_page_refuses_unreadable_rules_and_zones() -> None:
    values = {**settings.defaults(), "remind_times": ["截止前1天 10:00", "每周五"]}
    values["remind_timezone"] = "Mars/Olympus"
    found = " ".join(settings.problems(values))
    assert "每周五" in found and "Mars/Olympus" in found
    assert settings.problems(settings.defaults()) == []


def test_slots_around_a_deadline() -> None:
    rules = remind_rules.parse_rules(["截止前1天 10:00", "截止当天 19:00", "逾期每天 09:00"])
    slots = remind_rules.slots(DAY, DEADLINE, rules, TZ)
    local = [s.at.astimezone(TZ) for s in slots]
    # the same-day 19:00 slot falls after the 18:00 deadline: not a reminder before it
    assert local[0] == dt.datetime(2026, 11, 27, 10, 0, tzinfo=TZ)
    assert local[1] == dt.datetime(2026, 11, 29, 9, 0, tzinfo=TZ)
    assert len(slots) == 1 + remind_rules.OVERDUE_DAYS
    assert len({s.key for s in slots}) == len(slots)
    assert all(len(s.key) <= 64 for s in slots)
    assert [s.overdue for s in slots[:2]] == [False, True]


def test_a_slot_is_due_from_its_time_for_a_grace_period() -> None:
    slots = remind_rules.slots(DAY, DEADLINE, [parse_rule("截止前1天 10:00")], TZ)
    at = slots[0].at
    assert remind_rules.due(slots, at - dt.timedelta(seconds=1)) == []
    assert remind_rules.due(slots, at) == slots
    assert remind_rules.due(slots, at + remind_rules.GRACE) == []
