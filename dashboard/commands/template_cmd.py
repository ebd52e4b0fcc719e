"""``template``: write the week's return template (.xlsx, or a zip of one per county)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from dashboard.cli import CliError, add_db_option
from dashboard.core import periods
from dashboard.export import template
from dashboard.store import db, repo

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "template",
        help="生成本周周报填报模板（xlsx）",
        description=(
            "按单位名册生成周报填报模板：预填单位、按指标目录列出各项、数字单元格限填不小于 0 的整数、"
            "表头锁定、附填报说明。--split 时按县（市直部门）各生成一个工作簿并打包为 zip。"
        ),
    )
    parser.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="统计截止日期；不给时取今天所在周的报送日",
    )
    parser.add_argument("--scope", metavar="CODE", help="只包含该单位及其下级（单位编码）")
    parser.add_argument("--split", action="store_true", help="每个下一级单位一个工作簿，打包为 zip")
    parser.add_argument("-o", "--output", metavar="FILE", required=True, help="输出文件路径")
    add_db_option(parser)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    engine = db.connect(args.db)
    values = repo.get_settings(engine)
    weekday = int(values["report_weekday"])
    if args.date:
        try:
            day = dt.date.fromisoformat(args.date.strip())
        except ValueError:
            raise CliError(
                f"日期“{args.date}”无法识别：请按 YYYY-MM-DD 格式填写，例如 2023-10-27"
            ) from None
    else:
        day = periods.report_day_for(dt.date.today(), weekday)
    units = repo.load_units(engine)
    prefix = values.get("city_name") or ""
    try:
        if args.split:
            content = template.split_zip(
                units, day, title_prefix=prefix, scope=args.scope, report_weekday=weekday
            )
        else:
            content = template.template_bytes(
                units, day, title_prefix=prefix, scope=args.scope, report_weekday=weekday
            )
    except template.TemplateError as exc:
        raise CliError(str(exc)) from None
    output = Path(args.output)
    if args.split and output.suffix.lower() != ".zip":
        raise CliError(
            f"--split 输出的是 zip 压缩包：请把输出文件名改为以 .zip 结尾（收到“{output.name}”）"
        )
    if not args.split and output.suffix.lower() != ".xlsx":
        raise CliError(
            f"模板是 xlsx 工作簿：请把输出文件名改为以 .xlsx 结尾（收到“{output.name}”）"
        )
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(content)
    except OSError as exc:
        raise CliError(f"无法写入“{output}”（{exc.strerror}）：请换一个可写的位置") from None
    scope = f"（{args.scope} 及下级）" if args.scope else ""
    print(f"已生成 {day:%Y年%m月%d日} 的周报模板{scope}：{output}")
    return 0
