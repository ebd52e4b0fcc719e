"""``export briefing`` (Word / PowerPoint / Excel) and ``export charts`` (PNG / SVG)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from dashboard.auth import audit
from dashboard.cli import CliError, add_db_option
from dashboard.export import briefing
from dashboard.store import db, repo

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "export",
        help="导出简报（Word、PowerPoint、Excel）或图表图片（PNG、SVG）",
        description="导出某一报告周的简报或图表图片，范围为全市或某一单位及其下级。",
    )
    kinds = parser.add_subparsers(dest="kind", metavar="内容")
    kinds.required = True

    brief = kinds.add_parser(
        "briefing",
        help="生成简报文件",
        description=(
            "生成某一报告周的简报：docx 为 Word 简报（文字、图表、落后单位表），"
            "pptx 为 16:9 幻灯片（每页一个结论及其图表），xlsx 为排名、落后单位、催报名单。"
            "发文单位、字体和包含的部分取自设置（settings show）；期号取自设置，"
            "报告周晚于上一期所属周时自动加 1，生成后记为最近一期。"
        ),
    )
    _common(brief)
    brief.add_argument(
        "--issue", type=_issue_number, metavar="N", help="指定期号（默认按上一期自动编号）"
    )
    brief.add_argument(
        "--format",
        required=True,
        choices=sorted(briefing.FORMATS),
        help=f"文件格式：{briefing.choices_text(sorted(briefing.FORMATS))}",
    )
    brief.add_argument("-o", "--output", required=True, metavar="FILE", help="输出文件路径")
    brief.set_defaults(handler=_briefing)

    charts = kinds.add_parser(
        "charts",
        help="导出图表图片",
        description="把简报与总览的图表导出为图片，每个图表一个文件，文件名为图表名称。",
    )
    _common(charts)
    charts.add_argument(
        "--format",
        required=True,
        choices=list(briefing.IMAGE_FORMATS),
        help="图片格式：" + "或 ".join(f"{r.suffix}（{r.help}）" for r in briefing.IMAGE_RENDERERS),
    )
    charts.add_argument(
        "-o", "--output", required=True, metavar="DIR", help="输出目录（不存在则创建）"
    )
    charts.set_defaults(handler=_charts)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--date", required=True, metavar="YYYY-MM-DD", help="报告周（统计截止日），如 2023-10-27"
    )
    parser.add_argument(
        "--scope", metavar="CODE", default=None, help="只含该单位及其下级（单位编码），默认全市"
    )
    add_db_option(parser)


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"日期“{text}”无法识别，请写成 YYYY-MM-DD，例如 2023-10-27") from None


def _issue_number(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"期号“{text}”应为正整数，例如 8")
    return number


def _briefing(args: argparse.Namespace) -> int:
    day = _parse_date(args.date)
    engine = db.connect(args.db)
    try:
        report, values = briefing.load_report(engine, day, args.scope)
        options = briefing.BriefingOptions.from_settings(values).for_week(report.report_date)
        if args.issue is not None:
            options = options.with_changes(issue=args.issue)
        content = briefing.render_report(report, args.format, options)
    except briefing.BriefingError as exc:
        raise CliError(str(exc)) from None
    out = Path(args.output)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)
    except OSError as exc:
        raise CliError(f"无法写入“{out}”：{exc.strerror}。请检查路径与权限。") from None
    repo.set_settings(engine, options.to_settings(), actor="命令行")  # numbers on next week
    detail = {"what": out.name, "format": args.format, "date": day.isoformat(), "scope": args.scope}
    audit.record(engine, "export", user="命令行", detail=detail)
    print(f"已生成简报（第{options.issue}期）：{out}（{len(content):,} 字节）")
    return 0


def _charts(args: argparse.Namespace) -> int:
    day = _parse_date(args.date)
    engine = db.connect(args.db)
    try:
        report, values = briefing.load_report(engine, day, args.scope)
        images = briefing.render_charts(
            report, args.format, briefing.BriefingOptions.from_settings(values)
        )
    except briefing.BriefingError as exc:
        raise CliError(str(exc)) from None
    folder = Path(args.output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in images.items():
            (folder / f"{name}.{args.format}").write_bytes(content)
    except OSError as exc:
        raise CliError(f"无法写入目录“{folder}”：{exc.strerror}。请检查路径与权限。") from None
    detail = {
        "what": "charts",
        "format": args.format,
        "date": day.isoformat(),
        "count": len(images),
    }
    audit.record(engine, "export", user="命令行", detail=detail)
    print(f"已导出 {len(images)} 张图表到 {folder}：")
    for name in images:
        print(f"  {name}.{args.format}")
    return 0
