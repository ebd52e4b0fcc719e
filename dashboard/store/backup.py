"""Backups of the whole database, and restoring a PostgreSQL dump.

SQLite: SQLite's online backup API (safe while the app runs) into one ``.sqlite3`` file.
PostgreSQL: ``pg_dump`` in its custom format (``-Fc``), which ``pg_restore`` reads back into
an empty database. The password, when the URL has one, goes to the child process through
``PGPASSWORD``, never on its command line (where ``ps`` would show it).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import urllib.parse
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url

from dashboard.store import reset

__all__ = ["BackupError", "backup", "libpq_url", "restore_postgres"]


class BackupError(Exception):
    """A backup or restore that could not be made; the message says what to do (Chinese)."""


def backup(engine: Engine, target: Path | None = None) -> Path:
    """Back the whole database up into ``target`` (a file, or a folder to put it in; default
    ``backups/`` beside a SQLite file, the current folder for a server); returns the file."""
    if reset.is_sqlite(engine):
        if reset.sqlite_path(engine) is None:
            raise BackupError("内存中的 SQLite 数据库无法备份")
        if target is None or target.is_dir():
            return reset.backup_sqlite(engine, target)
        target.parent.mkdir(parents=True, exist_ok=True)
        return reset.backup_sqlite(engine, target.parent.resolve()).replace(target)
    if engine.dialect.name != "postgresql":
        raise BackupError(f"不支持备份 {engine.dialect.name} 数据库，请用该数据库自带的工具备份")
    url = engine.url
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"{url.database or 'dashboard'}-{stamp}.dump"
    if target is None:
        target = Path.cwd() / name
    elif target.is_dir():
        target = target / name
    target.parent.mkdir(parents=True, exist_ok=True)
    _run_pg("pg_dump", ["-Fc", "--no-owner", "-f", str(target), "-d", libpq_url(url)], url)
    return target


def restore_postgres(dump: Path, url: str | URL) -> None:
    """Restore a ``pg_dump -Fc`` file into the (empty) PostgreSQL database at ``url``."""
    target = make_url(url) if isinstance(url, str) else url
    if not dump.is_file():
        raise BackupError(f"找不到备份文件“{dump}”")
    _run_pg(
        "pg_restore", ["--no-owner", "--exit-on-error", "-d", libpq_url(target), str(dump)], target
    )


def libpq_url(url: URL) -> str:
    """The URL as PostgreSQL's own tools take it: no driver name, no password, and the query
    percent-encoded (libpq reads ``+`` literally, not as a space)."""
    plain = URL.create(
        "postgresql", username=url.username, host=url.host, port=url.port, database=url.database
    ).render_as_string(hide_password=False)
    query = urllib.parse.urlencode(dict(url.query), doseq=True, quote_via=urllib.parse.quote)
    return f"{plain}?{query}" if query else plain


def _run_pg(tool: str, args: list[str], url: URL) -> None:
    binary = shutil.which(tool)
    if binary is None:
        raise BackupError(
            f"未找到 {tool}：请安装 PostgreSQL 客户端（apt-get install postgresql-client）"
        )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run([binary, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{tool} 未能完成：{detail[-1] if detail else done.returncode}")
