"""新建活动 / 清空数据: count what a reset removes, back the database up, then remove it.

A reset deletes the office's registry, every import (with the archived files) and every
figure; a new campaign also puts the settings back to their defaults.  On SQLite the whole
database is first copied with SQLite's online backup API (safe while the app runs); on any
other server the caller must confirm that a backup was taken (``pg_dump``), since the app
cannot make one itself.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, delete, func, select

from dashboard.store import db
from dashboard.store.returns_repo import week_lock_names
from dashboard.store.schema import blobs, figures, imports, settings, units

__all__ = [
    "ResetCounts",
    "ResetError",
    "ResetOutcome",
    "backup_dir",
    "backup_sqlite",
    "counts",
    "is_sqlite",
    "reset",
    "sqlite_path",
]


class ResetError(ValueError):
    """A reset that must not run as asked (message in Chinese, says what to do)."""


@dataclass(frozen=True)
class ResetCounts:
    """What a reset removes."""

    units: int
    imports: int
    figures: int
    files: int
    settings: int

    def is_empty(self) -> bool:
        return not (self.units or self.imports or self.figures or self.files)

    def describe(self, with_settings: bool) -> str:
        """One Chinese sentence naming what goes."""
        parts = [
            f"单位名册 {self.units:,} 个单位",
            f"导入记录 {self.imports:,} 条（含存档的原始文件 {self.files:,} 个）",
            f"周报数字 {self.figures:,} 行（含历史版本）",
        ]
        if with_settings:
            parts.append(f"已修改的设置 {self.settings:,} 项（恢复为默认值）")
        return "、".join(parts)


def counts(engine: Engine) -> ResetCounts:
    with engine.connect() as conn:
        return _counts(conn)


def _counts(conn: Connection) -> ResetCounts:
    def count(table: Table) -> int:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    return ResetCounts(
        units=count(units),
        imports=count(imports),
        figures=count(figures),
        files=count(blobs),
        settings=count(settings),
    )


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_path(engine: Engine) -> Path | None:
    """The database file of a SQLite engine (None in memory or on another server)."""
    database = engine.url.database
    if not is_sqlite(engine) or database in (None, "", ":memory:"):
        return None
    return Path(str(database))


def backup_dir(engine: Engine) -> Path:
    """``backups/`` beside the database file (``data/backups/`` for the default database)."""
    path = sqlite_path(engine)
    if path is None:
        raise ResetError("只有保存在文件中的 SQLite 数据库可由本程序备份")
    return path.resolve().parent / "backups"


def backup_sqlite(engine: Engine, directory: Path | None = None) -> Path:
    """Copy the whole database with SQLite's online backup API; returns the new file."""
    source_path = sqlite_path(engine)
    if source_path is None:
        raise ResetError("只有保存在文件中的 SQLite 数据库可由本程序备份")
    target_dir = directory or backup_dir(engine)
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = target_dir / f"{source_path.stem}-{stamp}.sqlite3"
    number = 1
    while target.exists():
        number += 1
        target = target_dir / f"{source_path.stem}-{stamp}-{number}.sqlite3"
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        with sqlite3.connect(target) as copy:
            source.backup(copy)
        copy.close()
    finally:
        raw.close()
    return target


@dataclass(frozen=True)
class ResetOutcome:
    removed: ResetCounts
    backup: Path | None


def reset(
    engine: Engine,
    *,
    with_settings: bool = False,
    server_backup_confirmed: bool = False,
    backup_directory: Path | None = None,
) -> ResetOutcome:
    """Back up (SQLite) or require a confirmed backup (other servers), then delete the
    registry, imports, archived files and figures (and the settings when ``with_settings``),
    all in one transaction."""
    if not is_sqlite(engine) and not server_backup_confirmed:
        raise ResetError(
            "本程序无法备份 PostgreSQL 等数据库服务器：请先用 pg_dump 备份"
            "（例如 pg_dump -Fc -f 备份.dump 数据库名），再确认已备份后清空"
        )
    backup: Path | None = None
    with engine.begin() as conn:
        # Hold the write lock from the backup to the last delete, so nothing stored meanwhile
        # is lost unbacked: SQLite's write transaction excludes every other writer (the backup
        # reads through another connection, which WAL allows); on PostgreSQL, registry
        # imports and the imports and undos of the stored weeks finish first (advisory locks).
        days = conn.execute(select(figures.c.report_date).distinct()).scalars().all()
        db.lock(conn, "registry", *week_lock_names(days))
        if sqlite_path(engine) is not None:
            backup = backup_sqlite(engine, backup_directory)
        removed = _counts(conn)
        conn.execute(delete(figures))
        conn.execute(delete(imports))
        conn.execute(delete(blobs))
        conn.execute(delete(units))
        if with_settings:
            conn.execute(delete(settings))
    return ResetOutcome(removed=removed, backup=backup)
