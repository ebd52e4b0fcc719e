"""``registry import FILE``: check a 单位名册 workbook and apply it to the database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard.cli import CliError, add_db_option, problem_line, read_input_file
from dashboard.core.registry import parse_registry
from dashboard.store import db
from dashboard.store.registry_repo import apply_registry, record_rejected_registry


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("registry", help="导入或更新单位名册", description="单位名册操作")
    actions = parser.add_subparsers(dest="action", metavar="操作")
    actions.required = True
    imp = actions.add_parser(
        "import",
        help="导入单位名册（xlsx/xls/csv）",
        description=(
            "检查并导入单位名册。列：单位编码、单位名称、上级单位编码、类别、别名。"
            "再次导入修改后的名册会新增、更名、调整上级并撤销名册中已没有的单位（撤销单位的历史数据保留）。"
            "有任何错误时不作改动，并列出全部错误。"
        ),
    )
    imp.add_argument("file", metavar="FILE", help="单位名册文件路径")
    imp.add_argument("--dry-run", action="store_true", help="只检查、不导入")
    add_db_option(imp)
    imp.set_defaults(handler=_import)


def _import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    content = read_input_file(path)
    registry = parse_registry(path.name, content)
    for problem in registry.problems:
        line = problem_line(
            problem.severity, problem.sheet, problem.row, problem.column, problem.message
        )
        print(line, file=sys.stderr)
    if not registry.ok:
        if not args.dry_run:
            engine = db.connect(args.db)
            record_rejected_registry(engine, registry, file_name=path.name, content=content)
        raise CliError(
            f"单位名册有 {len(registry.errors)} 处错误，未导入：请按上面的说明修改后重新导入"
        )
    if args.dry_run:
        print(f"检查通过：共 {len(registry.frame)} 个单位（未导入）")
        return 0
    engine = db.connect(args.db)
    summary = apply_registry(engine, registry, file_name=path.name, content=content)
    print(summary.message())
    return 0
