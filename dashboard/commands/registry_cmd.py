"""``registry import FILE``: check a 单位名册 workbook and apply it to the database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import Engine

from dashboard.cli import CliError, add_db_option, problem_line, read_input_file
from dashboard.core.settings import missing_level_names
from dashboard.export.registry_changes import changes_xlsx
from dashboard.ingest.registry_file import parse_registry
from dashboard.store import db, repo
from dashboard.store.registry_repo import (
    BigChangeError,
    NewCategoriesError,
    RegistrySummary,
    apply_registry,
    load_categories,
    preview_registry,
    record_rejected_registry,
)

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("registry", help="导入或更新单位名册", description="单位名册操作")
    actions = parser.add_subparsers(dest="action", metavar="操作")
    actions.required = True
    imp = actions.add_parser(
        "import",
        help="导入单位名册（xlsx/xls/csv）",
        description=(
            "检查并导入单位名册。列：单位编码、单位名称、上级单位编码、类别、别名，"
            "可选联络人、联系电话；层级不限（3–6 级均可）。"
            "再次导入修改后的名册会新增、更名、调整上级并撤销名册中已没有的单位（撤销单位的历史数据保留）。"
            "有任何错误时不作改动，并列出全部错误。名册中有类别清单以外的类别时，"
            "列出这些类别，加 --add-categories 才把它们加入清单并导入；"
            "更名或撤销超过五分之一的在册单位时，列出变动，加 --accept-big-change 才导入。"
        ),
    )
    imp.add_argument("file", metavar="FILE", help="单位名册文件路径")
    imp.add_argument("--dry-run", action="store_true", help="只检查、不导入")
    imp.add_argument(
        "--add-categories",
        action="store_true",
        help="把名册中类别清单以外的类别全部加入类别清单后导入",
    )
    imp.add_argument(
        "--accept-big-change",
        action="store_true",
        help="确认更名或撤销超过五分之一单位的名册（请先用 --changes 核对变动清单）",
    )
    imp.add_argument(
        "--changes",
        metavar="XLSX",
        help="把此次导入的变动清单（新增、更名、调整上级、撤销…）写入该 Excel 文件",
    )
    add_db_option(imp)
    imp.set_defaults(handler=_import)


def _import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    content = read_input_file(path)
    engine = db.connect(args.db)
    registry = parse_registry(path.name, content, load_categories(engine))
    for problem in registry.problems:
        line = problem_line(
            problem.severity, problem.sheet, problem.row, problem.column, problem.message
        )
        print(line, file=sys.stderr)
    if not registry.ok:
        if not args.dry_run:
            record_rejected_registry(engine, registry, file_name=path.name, content=content)
        raise CliError(
            f"单位名册有 {len(registry.errors)} 处错误，未导入：请按上面的说明修改后重新导入"
        )
    preview = preview_registry(engine, registry)
    if args.changes:
        Path(args.changes).write_bytes(changes_xlsx(preview.changes_frame()))
        print(f"变动清单已写入 {args.changes}（{len(preview.changes):,} 行）")
    if args.dry_run:
        _print_dry_run(preview)
        return 0
    try:
        summary = apply_registry(
            engine,
            registry,
            file_name=path.name,
            content=content,
            add_categories=args.add_categories,
            accept_big_change=args.accept_big_change,
        )
    except NewCategoriesError as exc:
        raise CliError(f"{exc}；确认要加入时，请加上 --add-categories 重新运行") from None
    except BigChangeError as exc:
        hint = "" if args.changes else "可加 --changes 变动清单.xlsx 导出变动清单；"
        raise CliError(f"未导入。{exc}{hint}确认后请加上 --accept-big-change 重新运行") from None
    print(summary.message())
    if summary.new_categories:
        added = "、".join(summary.new_categories)
        print(f"已把新类别加入类别清单：{added}（可在“设置”页调整顺序、改名或合并）")
    _print_level_hint(engine, registry.depth)
    return 0


def _print_dry_run(preview: RegistrySummary) -> None:
    counts = "，".join(f"{k} {v} 个" for k, v in preview.counts().items() if v) or "无变化"
    print(f"检查通过：共 {preview.total:,} 个单位（未导入）；导入后：{counts}")
    if preview.new_categories:
        listed = "、".join(f"“{c}”{n:,} 个" for c, n in preview.new_categories.items())
        print(f"类别清单以外的类别：{listed}；导入时需加 --add-categories")
    if preview.big_change:
        print(f"{preview.big_change_message()}导入时需加 --accept-big-change")


def _print_level_hint(engine: Engine, depth: int) -> None:
    names = list(repo.get_settings(engine)["level_names"])
    missing = missing_level_names(depth, names)
    if missing:
        print(
            f"名册共 {depth} 级，层级名称只设了 {len(names)} 个（第{missing[0]}级起显示为“第N级”）："
            f"请用 settings set level_names 补齐，例如 “{'，'.join([*names, '…'])}”"
        )
