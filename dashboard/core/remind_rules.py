"""When automatic reminders (催报) go out: the office's rules, read from text, and the slots
they make around a deadline.

A rule is one line of the ``remind_times`` setting: ``截止前1天 10:00`` (N days before the
deadline's day), ``截止当天 09:00`` (on the deadline's day, while it has not passed) or
``逾期每天 09:00`` (each day after the deadline, at most ``OVERDUE_DAYS`` days). Each rule
and day is one *slot* with a stable key: the reminders table keeps one row per slot, channel
and recipient, so a slot is sent once however many processes look at it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "GRACE",
    "OVERDUE_DAYS",
    "Rule",
    "RuleError",
    "Slot",
    "due",
    "parse_rule",
    "parse_rules",
    "problems",
    "slots",
    "zone",
]

OVERDUE_DAYS = 7  # overdue reminders stop after a week: the next week's task takes over
GRACE = dt.timedelta(hours=12)  # a slot missed while no process ran is still sent this long

_RULE = re.compile(
    r"^(?:截止前\s*(?P<before>\d{1,2})\s*天|(?P<same>截止当天)|(?P<overdue>逾期每天))"
    r"\s*(?P<hour>\d{1,2})\s*[:：]\s*(?P<minute>\d{2})$"
)


class RuleError(ValueError):
    """A rule the office typed that cannot be read (message in Chinese)."""


@dataclass(frozen=True)
class Rule:
    kind: Literal["before", "overdue"]
    days: int  # days before the deadline's day (before); unused for overdue
    at: dt.time

    @property
    def code(self) -> str:
        """A short, stable code for slot keys: ``b1@1000``, ``o@0900``."""
        head = f"b{self.days}" if self.kind == "before" else "o"
        return f"{head}@{self.at:%H%M}"

    @property
    def label(self) -> str:
        if self.kind == "overdue":
            return f"逾期每天 {self.at:%H:%M}"
        return f"截止前{self.days}天 {self.at:%H:%M}" if self.days else f"截止当天 {self.at:%H:%M}"


@dataclass(frozen=True)
class Slot:
    key: str  # unique per week, rule and day (≤ 64 characters)
    at: dt.datetime  # aware, UTC
    rule: Rule
    overdue: bool


def parse_rule(text: str) -> Rule:
    found = _RULE.match(text.strip().replace("\u3000", " "))
    if not found:
        raise RuleError(
            f"自动催报时间“{text}”无法识别：应写成“截止前1天 10:00”“截止当天 09:00”或“逾期每天 09:00”"
        )
    hour, minute = int(found["hour"]), int(found["minute"])
    if hour > 23 or minute > 59:
        raise RuleError(f"自动催报时间“{text}”的钟点不对：小时 0–23，分钟 0–59")
    when = dt.time(hour, minute)
    if found["overdue"]:
        return Rule("overdue", 0, when)
    return Rule("before", int(found["before"] or 0), when)


def parse_rules(texts: list[str]) -> list[Rule]:
    return [parse_rule(t) for t in texts]


def problems(texts: object) -> list[str]:
    """Chinese sentences for every rule that cannot be read (for the 设置 page)."""
    if not isinstance(texts, list):
        return []
    found: list[str] = []
    for text in texts:
        try:
            parse_rule(str(text))
        except RuleError as exc:
            found.append(str(exc))
    return found


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleError(f"时区“{name}”无法识别：请填写 IANA 时区名，如 Asia/Shanghai") from None


def slots(
    report_date: dt.date, deadline: dt.datetime, rules: list[Rule], tz: ZoneInfo
) -> list[Slot]:
    """Every slot the rules make for one week's deadline, in time order."""
    local_deadline = deadline.astimezone(tz)
    out: list[Slot] = []
    for rule in rules:
        if rule.kind == "before":
            day = local_deadline.date() - dt.timedelta(days=rule.days)
            moment = dt.datetime.combine(day, rule.at, tz)
            if moment < local_deadline:
                out.append(_slot(report_date, rule, day, moment, overdue=False))
            continue
        for offset in range(1, OVERDUE_DAYS + 1):
            day = local_deadline.date() + dt.timedelta(days=offset)
            moment = dt.datetime.combine(day, rule.at, tz)
            out.append(_slot(report_date, rule, day, moment, overdue=True))
    return sorted(out, key=lambda s: s.at)


def due(slot_list: list[Slot], now: dt.datetime) -> list[Slot]:
    """The slots whose time has come and is not more than ``GRACE`` ago."""
    return [s for s in slot_list if s.at <= now < s.at + GRACE]


def _slot(
    report_date: dt.date, rule: Rule, day: dt.date, moment: dt.datetime, *, overdue: bool
) -> Slot:
    key = f"{report_date:%Y%m%d}|{rule.code}|{day:%Y%m%d}"
    return Slot(key, moment.astimezone(dt.UTC), rule, overdue)
