"""``remind --due | --list | --log``: automatic 催报 from cron, the pending list, the log."""

from __future__ import annotations

import argparse
import datetime as dt

from sqlalchemy import Engine

from dashboard.cli import CliError, add_db_option, terminal_text
from dashboard.remind import scheduler, service
from dashboard.store import db, remind_repo, repo

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "remind",
        help="催报：发送已到时间的自动催报（供 cron 调用），列出未报单位，查看催报记录",
        description=(
            "催报。--due 发送已到时间的自动催报（每个时间点只发一次，可与看板内的自动催报同时运行）；"
            "--list 按联络人列出未报单位和催报消息；--log 查看催报记录。"
        ),
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--due", action="store_true", help="发送已到时间的自动催报（按“设置 → 催报”的时间与渠道）"
    )
    what.add_argument("--list", action="store_true", help="按联络人列出未报单位与催报消息")
    what.add_argument("--log", action="store_true", help="列出催报记录（最新在前）")
    parser.add_argument(
        "--date", metavar="YYYY-MM-DD", default=None, help="报告周（统计截止日），默认本周"
    )
    parser.add_argument("--scope", metavar="CODE", default=None, help="只看某单位及其下级")
    parser.add_argument("--limit", type=int, default=50, metavar="N", help="--log 最多列出 N 条")
    add_db_option(parser)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    engine = db.connect(args.db)
    if args.due:
        return _due(engine)
    if args.list:
        return _list(engine, args)
    return _log(engine, args.limit)


def _due(engine: Engine) -> int:
    holder = scheduler.holder_id()
    taken = remind_repo.take_lease(engine, scheduler.LEASE, holder, scheduler.LEASE_TTL)
    if not taken:
        print("另一个进程（看板内的自动催报）正在负责发送，本次未发送。")
        return 0
    try:
        outcomes = scheduler.run_due(engine)
    finally:
        remind_repo.release_lease(engine, scheduler.LEASE, holder)
    done = [o for o in outcomes if o.status != "skipped"]
    if not done:
        print("没有到时间的自动催报。")
        return 0
    failed = 0
    for o in done:
        channel = remind_repo.CHANNEL_ZH.get(o.channel, o.channel)
        if o.error:
            failed += 1
            print(f"[失败] {channel} → {terminal_text(o.recipient)}：{terminal_text(o.error)}")
        else:
            print(
                f"[已发送] {channel} → {terminal_text(o.recipient)}（{len(o.unit_codes)} 个单位）"
            )
    print(f"共 {len(done)} 条，失败 {failed} 条（失败原因已记入催报记录）。")
    return 1 if failed else 0


def _list(engine: Engine, args: argparse.Namespace) -> int:
    settings = repo.get_settings(engine)
    try:
        day = dt.date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise CliError(f"日期“{terminal_text(args.date)}”格式不对：应为 YYYY-MM-DD") from None
    if day is None:
        day = service.current_report_date(settings, service.office_today(settings))
    units = repo.load_units(engine)
    if args.scope is not None and args.scope not in set(units["code"].astype(str)):
        raise CliError(f"单位名册中没有编码为“{terminal_text(args.scope)}”的单位")
    plan = service.plan(engine, day, args.scope, settings=settings)
    print(f"报告周 {day:%Y-%m-%d}，截止 {plan.context.deadline:%Y-%m-%d %H:%M}")
    if not plan.groups:
        print("所有单位均已报送。")
        return 0
    print(f"未报单位 {plan.unit_count} 个，联络人 {len(plan.groups)} 位。")
    for group, text in zip(plan.groups, plan.messages, strict=True):
        print(f"\n== {terminal_text(group.title)}（{len(group.units)} 个单位）==")
        print("\n".join(terminal_text(line) for line in text.splitlines()))
    return 0


def _log(engine: Engine, limit: int) -> int:
    settings = repo.get_settings(engine)
    log = service.reminder_log(engine, tz_name=str(settings.get("remind_timezone") or ""))
    if log.empty:
        print("尚无催报记录")
        return 0
    for row in log.head(max(limit, 0)).itertuples(index=False):
        at, actor, channel, recipient, count, _codes, status, error, _message = row
        line = f"{at}  {status}  {channel} → {recipient}  {count} 个单位  {actor}"
        print(terminal_text(line) + (f"  原因：{terminal_text(error)}" if error else ""))
    return 0
