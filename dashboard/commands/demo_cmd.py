"""``demo``: load the fictional demo city (optionally regenerating its files first)."""

from __future__ import annotations

import argparse

from dashboard import demo
from dashboard.cli import CliError, add_db_option
from dashboard.store import db, repo


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "demo",
        help="导入演示数据（虚构的青川市：单位名册与 8 周周报）",
        description=(
            "把 data/demo/ 中的演示名册和 8 周周报导入数据库，并设置演示活动的起止日期。"
            "数据库中已有其他地区的名册时拒绝导入（请用 --db 指定新的数据库）。"
        ),
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="先用生成器重新生成 data/demo/ 中的文件"
    )
    add_db_option(parser)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.regenerate:
        for path in demo.generate():
            print(f"已生成 {path}")
    engine = db.connect(args.db)
    units = repo.load_units(engine)
    roots = set(units.loc[units["level"] == 1, "code"])
    if roots and roots != {demo.CITY_CODE}:
        raise CliError(
            "数据库中已有其他地区的单位名册，导入演示数据会撤销这些单位：请用 --db 指定一个新的数据库"
        )
    try:
        outcome = demo.load_demo(engine, progress=print)
    except demo.DemoLoadError as exc:
        raise CliError(str(exc)) from None
    print(f"演示数据已导入：{outcome['units']} 个单位，{len(outcome['returns'])} 周周报")
    return 0
