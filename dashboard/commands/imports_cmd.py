"""``imports list|undo ID|reinstate ID``: the import log, and the two ways to change it."""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy import Engine

from dashboard.cli import CliError, add_db_option, terminal_text
from dashboard.ingest.pipeline import STATUS_ZH
from dashboard.store import db, returns_repo

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "imports",
        help="查看导入记录，撤销一次导入，或把早先的版本设为当前数据",
        description="导入记录：list 列出最近的导入；undo 撤销一次导入；reinstate 以某次导入为准。",
    )
    actions = parser.add_subparsers(dest="action", metavar="操作")
    actions.required = True
    listing = actions.add_parser("list", help="列出导入记录（最新在前）")
    add_db_option(listing)
    listing.add_argument(
        "--limit", type=int, default=50, metavar="N", help="最多列出 N 条，默认 50"
    )
    listing.add_argument("--json", action="store_true", help="以 JSON 输出")
    listing.set_defaults(handler=_list)
    undo = actions.add_parser("undo", help="撤销一次导入：其数据不再计入，被它替换的旧数据自动恢复")
    undo.add_argument("import_id", type=int, metavar="ID", help="导入记录编号")
    add_db_option(undo)
    undo.set_defaults(handler=_undo)
    again = actions.add_parser(
        "reinstate", help="以某次导入为准：把它被之后的更正替换的数据重新设为当前数据"
    )
    again.add_argument("import_id", type=int, metavar="ID", help="导入记录编号")
    add_db_option(again)
    again.set_defaults(handler=_reinstate)


def _list(args: argparse.Namespace) -> int:
    log = returns_repo.list_imports(db.connect(args.db)).head(max(args.limit, 0))
    if args.json:
        records = [
            {
                "id": int(r.id),
                "file": r.file_name,
                "sha256": r.sha256,
                "uploaded_at": r.uploaded_at.isoformat() if r.uploaded_at is not None else None,
                "uploaded_by": r.uploaded_by,
                "status": r.status,
                "report_date": r.report_date.isoformat() if r.report_date is not None else None,
                "accepted_rows": int(r.accepted_rows),
                "problem_total": int(r.problem_total),
            }
            for r in log.itertuples()
        ]
        json.dump({"imports": records}, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if log.empty:
        print("尚无导入记录")
        return 0
    for r in log.itertuples():
        day = f"{r.report_date:%Y-%m-%d}" if r.report_date is not None else "—"
        print(
            f"#{r.id}  {r.uploaded_at:%Y-%m-%d %H:%M}  {STATUS_ZH.get(r.status, r.status)}  "
            f"统计截止 {day}  入库 {r.accepted_rows} 行  问题 {r.problem_total} 处  "
            f"{terminal_text(r.file_name)}"
        )
    return 0


def _existing(engine: Engine, import_id: int) -> str:
    log = returns_repo.list_imports(engine)
    found = log.loc[log["id"] == import_id]
    if found.empty:
        raise CliError(f"没有编号为 {import_id} 的周报导入记录：请先运行 imports list 查看编号")
    return str(found["status"].iloc[0])


def _undo(args: argparse.Namespace) -> int:
    engine = db.connect(args.db)
    status = _existing(engine, args.import_id)
    if status != "imported":
        raise CliError(
            f"#{args.import_id} 的状态是“{STATUS_ZH.get(status, status)}”，只有“已入库”的记录可以撤销"
        )
    withdrawn = returns_repo.undo_import(engine, args.import_id)
    print(f"已撤销 #{args.import_id}，撤回 {withdrawn} 行数据；被它替换的旧数据已恢复。")
    return 0


def _reinstate(args: argparse.Namespace) -> int:
    engine = db.connect(args.db)
    status = _existing(engine, args.import_id)
    if status != "imported":
        raise CliError(
            f"#{args.import_id} 的状态是“{STATUS_ZH.get(status, status)}”，"
            "只有“已入库”的记录可以设为当前数据（已撤销的文件请重新导入）"
        )
    count = returns_repo.reinstate_import(engine, args.import_id)
    if count == 0:
        print(f"#{args.import_id} 的数据已经是当前数据，未作改动。")
    else:
        print(f"已以 #{args.import_id} 为准：{count} 行重新设为当前数据，之后的更正留在历史中。")
    return 0
