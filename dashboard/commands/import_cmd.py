"""``import FILE...``: check weekly returns and store them (``--dry-run``: check only)."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dashboard.cli import CliError, add_db_option, problem_line, read_input_file, terminal_text
from dashboard.core.problems import Problem
from dashboard.ingest import pipeline
from dashboard.store import db

__all__ = ["SHOWN_PROBLEMS", "register"]

SHOWN_PROBLEMS = 30  # per file in the readable summary; --json lists every one
_STATUS = {"imported": "已入库", "checked": "已检查（未入库）", "rejected": "已拒收"}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "import",
        help="导入各单位周报（xlsx/xlsm/xls/csv），检查后入库",
        description=(
            "读取一个或多个周报文件，逐项检查并入库。有错误的行不入库，仅有提醒的行入库。"
            "退出码：全部文件均已读取为 0（即使有问题），有文件被拒收为 1。"
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="周报文件路径，可一次给多个")
    add_db_option(parser)
    parser.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        default=None,
        help="统计截止日期，用于文件中（日期列、标题、文件名）找不到日期的文件",
    )
    parser.add_argument("--password", metavar="P", default=None, help="加密工作簿的打开密码")
    parser.add_argument("--dry-run", action="store_true", help="只检查、不入库")
    parser.add_argument(
        "--json", action="store_true", help="以 JSON 输出结果（标准输出仅此一份 JSON）"
    )
    parser.set_defaults(handler=_run)


def _parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"日期“{text}”无法识别，请按 YYYY-MM-DD 格式填写，例如 2023-10-27") from None


def _run(args: argparse.Namespace) -> int:
    report_date = _parse_date(args.date)
    paths = [Path(name) for name in args.files]
    contents = [read_input_file(path) for path in paths]  # every file checked before any is stored
    # With --json, stdout carries the one JSON document only: stray prints go to stderr.
    guard = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    with guard:
        results = _import_all(args, paths, contents, report_date)
    if args.json:
        json.dump({"files": [r.to_json() for r in results]}, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    return 1 if any(r.status == "rejected" for r in results) else 0


def _import_all(
    args: argparse.Namespace, paths: list[Path], contents: list[bytes], report_date: dt.date | None
) -> list[pipeline.FileResult]:
    engine = db.connect(args.db)
    results = []
    for path, content in zip(paths, contents, strict=True):
        result = _import_one(args, engine, path, content, report_date)
        results.append(result)
        if not args.json:
            _print_text(result)
    return results


def _import_one(
    args: argparse.Namespace,
    engine: Engine,
    path: Path,
    content: bytes,
    report_date: dt.date | None,
) -> pipeline.FileResult:
    """One file; a database failure is this file's answer (the JSON stays whole)."""
    try:
        return pipeline.import_file(
            engine,
            path.name,
            content,
            report_date=report_date,
            password=args.password,
            dry_run=args.dry_run,
            uploaded_by="命令行",
            date_hint=pipeline.CLI_DATE_HINT,
        )
    except SQLAlchemyError as exc:
        message = (
            f"数据库暂时无法保存这个文件（{type(exc).__name__}），数据未作改动：请稍后重新导入；"
            "如一再出现，请检查数据库服务"
        )
        problem = Problem(None, None, None, None, "error", "storage_failed", message)
        return pipeline.FileResult(path.name, "rejected", None, problems=[problem])


def _print_text(result: pipeline.FileResult) -> None:
    day = f"{result.report_date:%Y年%m月%d日}" if result.report_date else "未确定"
    status = _STATUS.get(result.status, result.status)
    if result.duplicate:
        status += "（与此前导入的文件完全相同，未作改动）"
        if result.superseded:
            status += (
                f"；注意：这是早先的版本，其中 {result.superseded} 行已被之后导入的更正替换。"
                f"如要以此文件为准，请运行 imports reinstate {result.import_id}"
            )
    errors, warnings = result.error_total, result.warning_total
    print(
        f"{terminal_text(result.file)}：{status}；统计截止 {day}；可入库 {len(result.accepted)} 行；"
        f"错误 {errors} 处，提醒 {warnings} 处"
    )
    for p in result.problems[:SHOWN_PROBLEMS]:
        print("  " + problem_line(p.severity, p.sheet, p.row, p.column, p.message))
    if result.problem_total > SHOWN_PROBLEMS:
        rest = result.problem_total - SHOWN_PROBLEMS
        print(
            f"  ……另有 {rest} 处问题未列出，使用 --json 可查看（每个文件最多逐条列出前 1,000 处）"
        )
    if result.ignored_columns:
        print(f"  未识别、已忽略的列：{terminal_text('、'.join(result.ignored_columns))}")
