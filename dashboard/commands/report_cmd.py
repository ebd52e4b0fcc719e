"""``report [--date YYYY-MM-DD] [--scope CODE] [--json]``: the week's board as text or JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from dashboard.cli import CliError, add_db_option
from dashboard.core.report import WeekReport, build_report, window_size
from dashboard.store import db, repo, report_inputs


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
    units = repo.load_units(engine)
    if units.empty:
        raise CliError("单位名册为空：请先在看板“单位名册”页导入单位名册，再运行本命令")
    settings = repo.get_settings(engine)
    dates = repo.report_dates(engine)
    if not dates:
        raise CliError("尚无周报数据：请先导入周报（python -m dashboard import …）")
    report_date = _parse_date(args.date) if args.date else None
    if report_date is not None and report_date not in dates:
        listed = "、".join(d.isoformat() for d in dates[-8:])
        raise CliError(
            f"{report_date.isoformat()} 没有周报数据。已有的报告周（最近几周）：{listed}"
        )
    if args.scope is not None and args.scope not in set(units["code"].astype(str)):
        raise CliError(f"单位编码“{args.scope}”不在单位名册中，请核对编码（注意前导零）")
    figures, days = report_inputs.load_window(engine, report_date, window_size(settings))
    report = build_report(units, figures, settings, report_date, args.scope, all_dates=days)
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
