"""``init``: create or migrate the database and set the campaign's basic settings."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from dashboard import bootstrap
from dashboard.cli import CliError, add_db_option
from dashboard.export import registry_template
from dashboard.store import db, repo

__all__ = ["changes_from", "register"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "init",
        help="创建或升级数据库，并设置活动名称、起止日期和报送日",
        description=(
            "创建或升级本单位的数据库（可重复执行，不会删除数据），并按需设置活动的基本信息。"
            "新数据库是空的：不会载入演示数据（演示另存一个数据库，见 demo 命令）。"
        ),
    )
    parser.add_argument("--name", metavar="NAME", help="活动名称，如“学习贯彻…主题教育”")
    parser.add_argument("--start", metavar="YYYY-MM-DD", help="开始日期")
    parser.add_argument("--end", metavar="YYYY-MM-DD", help="结束日期")
    parser.add_argument(
        "--report-weekday",
        metavar="1-7",
        type=_weekday,
        help="每周统计截止日：1=周一 … 7=周日",
    )
    parser.add_argument(
        "--registry-template",
        metavar="FILE",
        help="同时写出空白的单位名册模板（.xlsx），填好后用 registry import 导入",
    )
    add_db_option(parser)
    parser.set_defaults(handler=_run)


def _weekday(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"报送日应为 1–7 的整数，收到“{text}”") from None
    if not 1 <= value <= 7:
        raise argparse.ArgumentTypeError(f"报送日应为 1–7 的整数，收到“{text}”")
    return value


def _date(text: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(
            f"{label}“{text}”无法识别：请按 YYYY-MM-DD 格式填写，例如 2023-09-01"
        ) from None


def changes_from(args: argparse.Namespace, current: dict[str, Any]) -> dict[str, Any]:
    """The settings the options ask for, checked (end not before start)."""
    changes: dict[str, Any] = {}
    if args.name is not None:
        if not args.name.strip():
            raise CliError("活动名称不能为空：请在 --name 后填写名称")
        changes["campaign_name"] = args.name.strip()
    if args.start is not None:
        changes["start_date"] = _date(args.start, "开始日期").isoformat()
    if args.end is not None:
        changes["end_date"] = _date(args.end, "结束日期").isoformat()
    if args.report_weekday is not None:
        changes["report_weekday"] = args.report_weekday
    start = changes.get("start_date", current["start_date"])
    end = changes.get("end_date", current["end_date"])
    if str(end) < str(start):
        raise CliError(f"结束日期 {end} 早于开始日期 {start}：请调整 --start 或 --end")
    return changes


def _run(args: argparse.Namespace) -> int:
    engine = db.connect(args.db)
    changes = changes_from(args, repo.get_settings(engine))
    if changes:
        repo.set_settings(engine, changes)
    values = repo.get_settings(engine)
    print(f"数据库已就绪：{engine.url.render_as_string(hide_password=True)}")
    print(f"活动名称：{values['campaign_name']}")
    print(
        f"起止日期：{values['start_date']} 至 {values['end_date']}；每周报送日：周{'一二三四五六日'[int(values['report_weekday']) - 1]}"
    )
    if args.registry_template:
        target = Path(args.registry_template)
        try:
            target.write_bytes(
                registry_template.template_bytes(
                    str(values.get("city_name") or ""), list(values["categories"])
                )
            )
        except OSError as exc:
            raise CliError(f"无法写入 {target}：{exc.strerror}。请换一个目录或文件名") from None
        print(f"已写出空白单位名册模板：{target}")
    units = repo.unit_count(engine)
    if units:
        print(f"单位名册：{units:,} 个单位")
        if bootstrap.holds_demo(engine):
            print(bootstrap.LEGACY_DEMO_HINT)
    else:
        print("单位名册：尚未导入。下一步：")
        print(
            "  1. 填写单位名册（空白模板：python -m dashboard init --registry-template 单位名册模板.xlsx）"
        )
        print("  2. 导入名册：python -m dashboard registry import 单位名册.xlsx")
        print("  3. 生成本周周报模板：python -m dashboard template -o 周报模板.xlsx")
        print("  4. 导入交回的周报：python -m dashboard import 周报*.xlsx")
        print("想先看演示：python -m dashboard demo（另存在 data/demo.sqlite3，不混入本单位数据）")
    return 0
