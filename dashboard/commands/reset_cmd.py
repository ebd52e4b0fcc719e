"""``reset``: 清空数据 / 新建活动, after naming what goes and taking a backup."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from dashboard.cli import CliError, add_db_option
from dashboard.store import db, reset

__all__ = ["CONFIRM_WORD", "register"]

CONFIRM_WORD = "清空"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "reset",
        help="清空数据（新建活动）：删除单位名册、导入记录和周报数字，先自动备份",
        description=(
            "清空数据库中的单位名册、全部导入记录（含存档的原始文件）和周报数字，先列出将删除的数量。"
            "SQLite 数据库先用 SQLite 的在线备份自动备份到数据库旁的 backups/ 目录；"
            "PostgreSQL 等数据库服务器无法由本程序备份，须先用 pg_dump 备份并加 --backup-done 确认。"
            "不加 --yes 时在终端中要求输入“清空”确认。"
        ),
    )
    parser.add_argument(
        "--settings",
        action="store_true",
        help="同时把全部设置恢复为默认值（新建活动）",
    )
    parser.add_argument("--yes", action="store_true", help="不再询问，直接清空（仍会先备份）")
    parser.add_argument(
        "--backup-done",
        action="store_true",
        help="（PostgreSQL 等）确认已用 pg_dump 备份了数据库",
    )
    add_db_option(parser)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    engine = db.connect(args.db)
    found = reset.counts(engine)
    if found.is_empty() and not (args.settings and found.settings):
        print("数据库中没有可清空的数据。")
        return 0
    print(f"将删除：{found.describe(args.settings)}。")
    if reset.is_sqlite(engine):
        if reset.sqlite_path(engine) is not None:
            print(f"清空前会自动备份到 {reset.backup_dir(engine)}。")
    elif not args.backup_done:
        raise CliError(
            "本程序无法备份 PostgreSQL 等数据库服务器：请先用 pg_dump 备份"
            "（例如 pg_dump -Fc -f 看板备份.dump 数据库名），再加 --backup-done 重新执行"
        )
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("确认清空请加 --yes（或在终端中运行，按提示输入“清空”）")
        if input(f"确认清空请输入“{CONFIRM_WORD}”：").strip() != CONFIRM_WORD:
            raise CliError("未确认，数据没有改动")
    try:
        outcome = reset.reset(
            engine, with_settings=args.settings, server_backup_confirmed=args.backup_done
        )
    except reset.ResetError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"备份失败，数据没有改动：{exc}。请检查磁盘空间与目录权限") from None
    except SQLAlchemyError:
        raise CliError("数据库正忙（可能有人正在上传周报），数据没有改动：请稍后重试") from None
    finally:
        engine.dispose()
    print(f"已清空：{outcome.removed.describe(args.settings)}。")
    if outcome.backup:
        print(f"清空前的备份：{outcome.backup}")
    print("下一步：python -m dashboard init --name … --start … --end …，再导入单位名册。")
    return 0
