"""``demo``: load the fictional demo city into its own database (never the office's)."""

from __future__ import annotations

import argparse

from dashboard import bootstrap, demo
from dashboard.cli import CliError
from dashboard.store import db

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "demo",
        help="准备演示数据库（虚构的青川市：单位名册与 8 周周报），与本单位的数据分开保存",
        description=(
            "把 data/demo/ 中的演示名册和 8 周周报导入演示专用的数据库"
            "（默认 data/demo.sqlite3，或环境变量 DEMO_DATABASE_URL），不触动本单位的数据库。"
            "在网页上点“打开演示”即可查看。目标数据库中已有其他单位名册时拒绝导入。"
        ),
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="先用生成器重新生成 data/demo/ 中的文件"
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="演示数据库地址（SQLAlchemy URL），默认取环境变量 DEMO_DATABASE_URL，再默认 data/demo.sqlite3",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.regenerate:
        for path in demo.generate():
            print(f"已生成 {path}")
    url = args.db or bootstrap.demo_url()
    if args.db is None and url == bootstrap.office_url():
        raise CliError(
            "演示数据库与本单位的数据库是同一个：请把 DEMO_DATABASE_URL 设为另一个数据库"
        )
    engine = db.connect(url)
    try:
        loaded = bootstrap.ensure_demo(engine)
    except demo.DemoLoadError as exc:
        raise CliError(f"{exc}（用 --db 指定一个新的数据库文件）") from None
    finally:
        engine.dispose()
    shown = db.make_engine(url).url.render_as_string(hide_password=True)
    if loaded:
        print(f"演示数据已导入 {shown}：{len(demo.REPORT_DATES)} 周周报")
    else:
        print(f"演示数据已在 {shown} 中，未重复导入")
    print("查看演示：启动看板（./dev run）后在“开始使用”页点“打开演示”。")
    return 0
