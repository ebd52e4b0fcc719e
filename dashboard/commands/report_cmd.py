"""``report [--date YYYY-MM-DD] [--scope CODE] [--json]``: the week's board as text or JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from dashboard import door
from dashboard.cli import CliError, add_db_option
from dashboard.core.report import WeekReport
from dashboard.store import db

__all__ = ["register", "summary_text"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report",
        help="输出某一报告周的报送、热度排名、落后单位与层级传导情况",
        description=(
            "输出某一报告周的报送率、各层级平均热度与销号率、层级传导异常的系统、落后单位及排名。"
            "不加 --date 时取最近一个报告周。"
        ),
    )
    add_db_option(parser)
    parser.add_argument(
        "--date", metavar="YYYY-MM-DD", default=None, help="报告周（统计截止日），默认最近一周"
    )
    parser.add_argument(
        "--scope", metavar="CODE", default=None, help="只看该单位及其下级（单位编码），默认全市"
    )
    parser.add_argument("--json", action="store_true", help="输出一个 JSON 文档（供程序读取）")
    parser.set_defaults(handler=_run)


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"日期“{text}”无法识别，请写成 YYYY-MM-DD，例如 2023-10-27") from None


def _run(args: argparse.Namespace) -> int:
    engine = db.connect(args.db)
    report_date = _parse_date(args.date) if args.date else None
    try:
        report = door.week_report(engine, report_date, args.scope)
    except door.DoorError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        print(summary_text(report))
    return 0


def summary_text(report: WeekReport) -> str:
    """A readable Chinese summary of the week."""
    lines = [f"{report.scope_name}主题教育调度情况（截至{report.report_date:%Y年%m月%d日}）", ""]
    lines += [f"· {s}" for s in report.findings]
    lines += ["", "各层级："]
    for row in report.levels.itertuples():
        rate = (
            "—"
            if row.closure_rate is None or row.closure_rate != row.closure_rate
            else f"{row.closure_rate * 100:.1f}%"
        )
        lines.append(
            f"  {row.name}：单位{row.units}个，已报{row.reported}个，平均热度{row.mean_heat:.1f}，问题销号率{rate}"
        )
    flagged = report.subtrees[report.subtrees["flagged"]] if not report.subtrees.empty else None
    if flagged is not None and not flagged.empty:
        lines += ["", "层级传导异常："]
        lines += [
            f"  {r.name}（{r.code}）：{r.pattern}" + (f"，{r.detail}" if r.detail else "")
            for r in flagged.itertuples()
        ]
    if not report.lagging.empty:
        lines += ["", f"落后单位（{len(report.lagging)}个，按严重程度列前20个）："]
        for row in report.lagging.head(20).itertuples():  # the core orders by severity
            lines.append(f"  {row.name}（{row.unit_code}）：{'、'.join(row.reasons)}")
    return "\n".join(lines)
