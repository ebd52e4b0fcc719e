"""一键催报 and the scheduler's sends: who is pending, what each liaison is told, and the
delivery through each channel the office switched on, every attempt logged.

Plain Python: the 催报 page, ``python -m dashboard remind`` and the scheduler thread call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from dashboard import door
from dashboard.core import periods, remind_rules
from dashboard.entry import tasks as entry_tasks
from dashboard.remind import channels as channels_mod
from dashboard.remind.message import Context, compose, subject
from dashboard.remind.pending import LiaisonGroup, group_by_liaison, load_registry, not_reported
from dashboard.store import audit_repo, remind_repo, repo

__all__ = [
    "CHANNELS",
    "LOG_HEADERS",
    "NOTICE_ROLES",
    "OUTSIDE_MESSAGE",
    "Deliver",
    "Outcome",
    "Plan",
    "Week",
    "audit_outcomes",
    "covering_accounts",
    "current_report_date",
    "office_today",
    "outcomes_table",
    "plan",
    "record_copied",
    "reminder_log",
    "send",
    "week_for",
]

CHANNELS: tuple[str, ...] = ("notice", "wecom", "dingtalk", "email")
NOTICE_ROLES = ("liaison", "viewer")  # accounts of a subtree receive its notices and mail


@dataclass(frozen=True)
class Week:
    report_date: dt.date
    deadline: dt.datetime  # aware
    task_id: int | None
    scope_code: str | None


def office_today(settings: dict[str, Any]) -> dt.date:
    """Today in the office's time zone (the server may run in UTC)."""
    tz = remind_rules.zone(str(settings.get("remind_timezone") or ""))
    return dt.datetime.now(tz).date()


def current_report_date(settings: dict[str, Any], today: dt.date) -> dt.date:
    """The report week that ``today`` belongs to."""
    return periods.report_day_for(today, int(settings.get("report_weekday") or 5))


def week_for(engine: Engine, report_date: dt.date, settings: dict[str, Any]) -> Week:
    """The week's deadline: its 填报 task's when one exists, else the deadline a task of that
    week would get from the 在线填报 settings (deadline weekday and hour)."""
    task = remind_repo.task_for(engine, report_date)
    if task is not None:
        return Week(report_date, task.deadline, task.id, task.scope_code)
    _opens, deadline = entry_tasks.default_times(report_date, settings)
    return Week(report_date, deadline, None, None)


@dataclass
class Plan:
    """One week's pending units by liaison, with the message each liaison is sent."""

    week: Week
    groups: list[LiaisonGroup]
    messages: list[str]
    context: Context
    registry: pd.DataFrame

    @property
    def unit_count(self) -> int:
        return sum(len(g.units) for g in self.groups)


def plan(
    engine: Engine,
    report_date: dt.date,
    scope: str | None,
    viewer: door.Viewer | None = None,
    *,
    now: dt.datetime | None = None,
    settings: dict[str, Any] | None = None,
) -> Plan:
    settings = repo.get_settings(engine) if settings is None else settings
    tz = remind_rules.zone(str(settings.get("remind_timezone") or ""))
    week = week_for(engine, report_date, settings)
    registry = load_registry(engine)
    pending = not_reported(engine, report_date, scope, viewer, units=registry)
    groups = group_by_liaison(pending, registry)
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(tz)
    context = Context(
        campaign=str(settings.get("campaign_name") or ""),
        office=str(settings.get("office_name") or ""),
        report_date=report_date,
        deadline=week.deadline.astimezone(tz),
        board_url=str(settings.get("board_url") or "").strip(),
        now=moment,
    )
    return Plan(week, groups, [compose(g, context) for g in groups], context, registry)


@dataclass(frozen=True)
class Outcome:
    """One delivery: sent (error None), failed (error), or already sent for the slot."""

    group: str
    channel: str
    recipient: str
    unit_codes: tuple[str, ...]
    error: str | None
    duplicate: bool = False

    @property
    def status(self) -> str:
        if self.duplicate:
            return "skipped"
        return "failed" if self.error else "sent"


Deliver = Callable[[], str | None]


def send(
    engine: Engine,
    the_plan: Plan,
    chosen: Sequence[str],
    actor: str,
    *,
    settings: dict[str, Any] | None = None,
    slot: str | None = None,
    address: str = "",
    audit: bool = True,
    pacer: channels_mod.Pacer | None = None,
) -> list[Outcome]:
    """Send every group's message through ``chosen`` channels; each attempt is claimed in the
    log first and finished as sent or failed. With ``slot`` (the scheduler) a delivery that
    was claimed before is skipped. Robot posts are paced (``pacer``, by default the setting
    ``remind_robot_per_minute``): many groups wait rather than be refused."""
    settings = repo.get_settings(engine) if settings is None else settings
    config = channels_mod.config_from(settings)
    pacer = pacer or channels_mod.Pacer(config.robot_per_minute)
    accounts = remind_repo.enabled_accounts(engine)
    outcomes: list[Outcome] = []
    for group, text in zip(the_plan.groups, the_plan.messages, strict=True):
        for channel in chosen:
            for recipient, deliver in _deliveries(
                engine, channel, group, text, the_plan, config, accounts, pacer
            ):
                outcomes.append(
                    _attempt(
                        engine, the_plan, group, text, channel, recipient, deliver, actor, slot
                    )
                )
    if audit and outcomes:
        audit_outcomes(engine, the_plan, chosen, outcomes, actor, address, slot)
    return outcomes


def record_copied(
    engine: Engine, the_plan: Plan, index: int, actor: str, *, address: str = ""
) -> Outcome:
    """Log that the office copied group ``index``'s message and sent it by hand (a chat, a
    call): the log then shows every reminder, not only those the board delivered."""
    group, text = the_plan.groups[index], the_plan.messages[index]
    outcome = _attempt(
        engine, the_plan, group, text, "copy", group.title, lambda: None, actor, None
    )
    audit_outcomes(engine, the_plan, ["copy"], [outcome], actor, address, None)
    return outcome


def _attempt(
    engine: Engine,
    the_plan: Plan,
    group: LiaisonGroup,
    text: str,
    channel: str,
    recipient: str,
    deliver: Deliver,
    actor: str,
    slot: str | None,
) -> Outcome:
    codes = group.codes
    claimed = remind_repo.claim(
        engine,
        task_id=the_plan.week.task_id,
        actor=actor,
        channel=channel,
        recipient=recipient,
        unit_codes=codes,
        message=text,
        slot=slot,
    )
    if claimed is None:
        return Outcome(group.title, channel, recipient, tuple(codes), None, duplicate=True)
    try:
        error = deliver()
    except Exception as exc:  # a channel bug must still end as a logged failure
        error = f"发送时出错：{type(exc).__name__}"
    remind_repo.finish(engine, claimed, error)
    return Outcome(group.title, channel, recipient, tuple(codes), error)


def _deliveries(
    engine: Engine,
    channel: str,
    group: LiaisonGroup,
    text: str,
    the_plan: Plan,
    config: channels_mod.Config,
    accounts: list[remind_repo.Account],
    pacer: channels_mod.Pacer,
) -> list[tuple[str, Deliver]]:
    """(recipient, deliver) pairs of one group on one channel; a channel that cannot send
    yields one delivery that fails with the reason, so the log says why."""
    problem = config.problem(channel)
    if problem:
        return [(group.title, lambda: problem)]
    phones = [group.contact_phone] if group.contact_phone else []
    if channel == "wecom":
        fitted = compose(group, the_plan.context, channels_mod.WECOM_MAX_BYTES)
        return [(group.title, _paced(pacer, channel, config, fitted, phones))]
    if channel == "dingtalk":
        return [(group.title, _paced(pacer, channel, config, text, phones))]
    covering = covering_accounts(group, the_plan.registry, accounts)
    if channel == "notice":
        if not covering:
            return [(group.title, lambda: "这些单位没有联络员账号，站内通知无人接收")]
        task_id = the_plan.week.task_id
        return [(a.name, _notice(engine, a.name, text, task_id)) for a in covering]
    if channel == "email":
        addressed = [a for a in covering if a.email]
        if not addressed:
            return [(group.title, lambda: "这些单位的联络员账号没有登记电子邮箱")]
        title = subject(the_plan.context)
        return [(str(a.email), _mail(config, str(a.email), title, text)) for a in addressed]
    return [(group.title, lambda: f"未知的催报渠道“{channel}”")]


def _paced(
    pacer: channels_mod.Pacer,
    channel: str,
    config: channels_mod.Config,
    text: str,
    phones: list[str],
) -> Deliver:
    """A robot post that first waits its turn within the robot's per-minute limit."""
    post = channels_mod.post_wecom if channel == "wecom" else channels_mod.post_dingtalk

    def deliver() -> str | None:
        pacer.wait(channel)
        return post(config, text, phones)

    return deliver


def _notice(engine: Engine, user: str, text: str, task_id: int | None) -> Deliver:
    def deliver() -> str | None:
        remind_repo.add_notice(engine, user, text, task_id=task_id)
        return None

    return deliver


def _mail(config: channels_mod.Config, to: str, title: str, text: str) -> Deliver:
    return lambda: channels_mod.send_email(config, [to], title, text)


def covering_accounts(
    group: LiaisonGroup, registry: pd.DataFrame, accounts: list[remind_repo.Account]
) -> list[remind_repo.Account]:
    """The subtree accounts (liaison, viewer) nearest above each of the group's units."""
    by_scope: dict[str, list[remind_repo.Account]] = {}
    for account in accounts:
        if account.role in NOTICE_ROLES and account.scope_code:
            by_scope.setdefault(str(account.scope_code), []).append(account)
    parents = dict(
        zip(
            registry["code"].astype(str),
            [str(p) if isinstance(p, str) and p else "" for p in registry["parent_code"]],
            strict=True,
        )
    )
    found: dict[str, remind_repo.Account] = {}
    for code in group.codes:
        current, seen = code, set()
        while current and current not in seen:
            if current in by_scope:
                found.update({a.name: a for a in by_scope[current]})
                break
            seen.add(current)
            current = parents.get(current, "")
    return list(found.values())


def audit_outcomes(
    engine: Engine,
    the_plan: Plan,
    chosen: Sequence[str],
    outcomes: list[Outcome],
    actor: str,
    address: str,
    slot: str | None,
) -> None:
    audit_repo.record(
        engine,
        "remind",
        user=actor,
        address=address,
        detail={
            "report_date": the_plan.week.report_date.isoformat(),
            "channels": list(chosen),
            "units": the_plan.unit_count,
            "sent": sum(o.status == "sent" for o in outcomes),
            "failed": sum(o.status == "failed" for o in outcomes),
            "slot": slot,
        },
    )


def outcomes_table(outcomes: list[Outcome]) -> pd.DataFrame:
    """The outcomes in Chinese, for the page and the CLI."""
    status = {"sent": "已发送", "failed": "发送失败", "skipped": "此前已发送"}
    return pd.DataFrame(
        {
            "联络人": [o.group for o in outcomes],
            "渠道": [remind_repo.CHANNEL_ZH.get(o.channel, o.channel) for o in outcomes],
            "接收人": [o.recipient for o in outcomes],
            "单位数": [len(o.unit_codes) for o in outcomes],
            "结果": [status[o.status] for o in outcomes],
            "原因": [o.error or "" for o in outcomes],
        }
    )


LOG_HEADERS = {
    "at": "时间",
    "actor": "催报人",
    "channel": "渠道",
    "recipient": "接收人",
    "units": "单位数",
    "unit_codes": "单位编码",
    "status": "结果",
    "error": "失败原因",
    "message": "消息内容",
}


OUTSIDE_MESSAGE = "（此条催报还涉及所辖范围以外的单位，消息内容不予显示）"


def _inside(log: pd.DataFrame, visible_codes: set[str]) -> pd.DataFrame:
    """The reminders that name a unit in ``visible_codes``, cut to those units: a message that
    also names units outside them is withheld, so a subtree's liaison never reads another
    subtree's units in the log."""
    inside = [[c for c in codes if c in visible_codes] for codes in log["unit_codes"]]
    whole = [len(kept) == len(codes) for kept, codes in zip(inside, log["unit_codes"], strict=True)]
    log = log.assign(
        unit_codes=inside,
        message=[m if w else OUTSIDE_MESSAGE for m, w in zip(log["message"], whole, strict=True)],
    )
    return log.loc[pd.Series([bool(k) for k in inside], index=log.index, dtype=bool)]


def _visible_codes(engine: Engine, viewer: door.Viewer | None) -> set[str] | None:
    """The units a subtree account may read about; None for the office (every unit)."""
    if viewer is None or viewer.scope_code is None:
        return None
    return set(door.scope_units(engine, None, viewer=viewer)["code"].astype(str))


def reminder_log(
    engine: Engine,
    viewer: door.Viewer | None = None,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    channels: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    tz_name: str = "Asia/Shanghai",
) -> pd.DataFrame:
    """The reminder log in Chinese, newest first, as ``viewer`` may see it (a subtree
    account: only reminders about its units, see ``_inside``; None: the office's whole log),
    between two local days, of some channels and results."""
    tz = remind_rules.zone(tz_name)

    def start(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tz).astimezone(dt.UTC)

    log = remind_repo.load_log(
        engine,
        since=start(since) if since else None,
        until=start(until + dt.timedelta(days=1)) if until else None,
        channels=channels or None,
        statuses=statuses or None,
    )
    visible = _visible_codes(engine, viewer)
    if visible is not None:
        log = _inside(log, visible)
    table = pd.DataFrame(
        {
            "at": [f"{t.astimezone(tz):%Y-%m-%d %H:%M:%S}" for t in log["at"]],
            "actor": ["自动催报" if a == "scheduler" else a for a in log["actor"]],
            "channel": [remind_repo.CHANNEL_ZH.get(c, c) for c in log["channel"]],
            "recipient": list(log["recipient"]),
            "units": [len(c) for c in log["unit_codes"]],
            "unit_codes": ["、".join(c) for c in log["unit_codes"]],
            "status": [remind_repo.STATUS_ZH.get(s, s) for s in log["status"]],
            "error": [e if isinstance(e, str) else "" for e in log["error"]],
            "message": list(log["message"]),
        }
    )
    return table.rename(columns=LOG_HEADERS)
