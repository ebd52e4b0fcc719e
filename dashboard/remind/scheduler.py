"""Automatic 催报: the due slots of the office's rules, sent once.

``run_due`` does one pass (``python -m dashboard remind --due`` from cron calls it); the
``Scheduler`` thread repeats it inside the app process while it holds the lease
``remind-scheduler`` in the database, so among several replicas one sends. Whatever holds
the lease, a slot's delivery is claimed in the reminders table under a unique key (week,
rule, day; channel; recipient) before it is sent, so neither a second process nor a restart
sends it again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from typing import Any

from sqlalchemy import Engine

from dashboard.core import remind_rules
from dashboard.remind import service
from dashboard.store import remind_repo, repo

__all__ = [
    "ACTOR",
    "INTERVAL_ENV",
    "LEASE",
    "LEASE_TTL",
    "SWITCH_ENV",
    "WINDOW",
    "Scheduler",
    "due_slots",
    "holder_id",
    "run_due",
    "start_once",
    "weeks",
]

log = logging.getLogger(__name__)

LEASE = "remind-scheduler"
ACTOR = "scheduler"
LEASE_TTL = dt.timedelta(seconds=120)
INTERVAL_ENV = "DASHBOARD_REMIND_INTERVAL"  # seconds between passes (default 60)
SWITCH_ENV = "DASHBOARD_SCHEDULER"  # "0" keeps the thread from starting (cron does it)
WINDOW = dt.timedelta(days=remind_rules.OVERDUE_DAYS + 1)


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def weeks(engine: Engine, settings: dict[str, Any], now: dt.datetime) -> list[service.Week]:
    """The weeks whose reminders may be due: open 填报 tasks with a deadline within a week
    of now; without any task, this report week and the one before (deadlines from the
    settings)."""
    if remind_repo.any_tasks(engine):
        return [
            service.Week(t.report_date, t.deadline, t.id, t.scope_code)
            for t in remind_repo.open_tasks(engine, now - WINDOW, now + WINDOW)
        ]
    tz = remind_rules.zone(str(settings.get("remind_timezone") or ""))
    this_week = service.current_report_date(settings, now.astimezone(tz).date())
    return [
        service.week_for(engine, day, settings)
        for day in (this_week - dt.timedelta(days=7), this_week)
    ]


def due_slots(
    engine: Engine, settings: dict[str, Any], now: dt.datetime
) -> list[tuple[service.Week, remind_rules.Slot]]:
    texts = [str(t) for t in settings.get("remind_times") or []]
    rules = [remind_rules.parse_rule(t) for t in texts if not remind_rules.problems([t])]
    if not rules:
        return []
    tz = remind_rules.zone(str(settings.get("remind_timezone") or ""))
    found = []
    for week in weeks(engine, settings, now):
        for slot in remind_rules.due(
            remind_rules.slots(week.report_date, week.deadline, rules, tz), now
        ):
            found.append((week, slot))
    return found


def run_due(engine: Engine, now: dt.datetime | None = None) -> list[service.Outcome]:
    """Send every due slot's reminders once (a slot sent before is skipped)."""
    now = now or dt.datetime.now(dt.UTC)
    settings = repo.get_settings(engine)
    chosen = [c for c in settings.get("remind_channels") or [] if c in service.CHANNELS]
    if "auto" not in (settings.get("remind_auto") or []) or not chosen:
        return []
    outcomes: list[service.Outcome] = []
    for week, slot in due_slots(engine, settings, now):
        the_plan = service.plan(
            engine, week.report_date, week.scope_code, now=now, settings=settings
        )
        if not the_plan.groups:
            continue
        sent = service.send(
            engine, the_plan, chosen, ACTOR, settings=settings, slot=slot.key, audit=False
        )
        if any(o.status != "skipped" for o in sent):
            service.audit_outcomes(engine, the_plan, chosen, sent, ACTOR, "", slot.key)
        outcomes += sent
    return outcomes


class Scheduler(threading.Thread):
    """A daemon thread: every ``interval`` seconds, take or renew the lease and, holding
    it, send what is due. Errors are logged and the loop goes on."""

    def __init__(self, engine: Engine, interval: float = 60.0) -> None:
        super().__init__(name="remind-scheduler", daemon=True)
        self.engine = engine
        self.interval = interval
        self.holder = holder_id()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.tick()
            self.stopped.wait(self.interval)
        try:
            remind_repo.release_lease(self.engine, LEASE, self.holder)
        except Exception:
            log.debug("lease not released", exc_info=True)

    def tick(self) -> list[service.Outcome]:
        try:
            if not remind_repo.take_lease(self.engine, LEASE, self.holder, LEASE_TTL):
                return []
            outcomes = run_due(self.engine)
            for outcome in outcomes:
                if outcome.status == "failed":
                    log.warning(
                        "催报 via %s to %s failed: %s",
                        outcome.channel,
                        outcome.recipient,
                        outcome.error,
                    )
            return outcomes
        except Exception:
            log.exception("reminder scheduler pass failed; retrying next interval")
            return []

    def stop(self) -> None:
        self.stopped.set()


_started: Scheduler | None = None
_start_lock = threading.Lock()


def start_once(engine: Engine) -> Scheduler | None:
    """Start this process's scheduler thread (once; not when ``DASHBOARD_SCHEDULER=0``)."""
    global _started
    if os.environ.get(SWITCH_ENV, "1") == "0":
        return None
    with _start_lock:
        if _started is None or not _started.is_alive():
            interval = float(os.environ.get(INTERVAL_ENV) or 60)
            _started = Scheduler(engine, interval=max(interval, 0.2))
            _started.start()
        return _started
