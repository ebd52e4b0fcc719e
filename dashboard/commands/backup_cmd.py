"""``backup``: a copy of the whole database (SQLite's online backup, or pg_dump)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dashboard.cli import CliError, add_db_option
from dashboard.store import backup, db

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "backup",
        help="备份整个数据库（SQLite 在线备份；PostgreSQL 用 pg_dump）",
        description=(
            "备份整个数据库：SQLite 用 SQLite 的在线备份（看板运行时也可备份），默认存到数据库旁的 "
            "backups/ 目录；PostgreSQL 调用 pg_dump 生成自定义格式的 .dump 文件（须安装 "
            "postgresql-client），用 pg_restore 恢复到一个空数据库。"
        ),
    )
    parser.add_argument(
        "-o", "--output", type=Path, default=None, metavar="FILE_OR_DIR",
        help="备份文件或目录（默认：SQLite 为数据库旁的 backups/，PostgreSQL 为当前目录）",
    )  # fmt: skip
    add_db_option(parser)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    engine = db.make_engine(args.db)
    try:
        made = backup.backup(engine, args.output)
    except backup.BackupError as exc:
        raise CliError(str(exc)) from exc
    finally:
        engine.dispose()
    print(f"已备份到 {made}（{made.stat().st_size / 1048576:.1f} MB）。")
    return 0
