"""A backup restored into a fresh database gives the same report (SQLite and PostgreSQL).

SQLite: ``python -m dashboard backup`` (SQLite's online backup) opened as the database.
PostgreSQL: the same command (``pg_dump -Fc``), then ``pg_restore`` into a new, empty database.
The door's week report of every week, the stored history and the archived files must match.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from dashboard import cli, door
from dashboard.store import backup, db, repo, returns_repo
from dashboard.store.schema import blobs, figures
from tests.conftest import engine_url
from tests.core.report_data import WEEKS, fill_database


def _snapshot(engine: Engine) -> dict[str, object]:
    reports = {day: door.week_report(engine, day, None).to_json() for day in WEEKS}
    with engine.connect() as conn:
        history = conn.execute(select(func.count()).select_from(figures)).scalar_one()
        files = sorted(conn.execute(select(blobs.c.sha256, blobs.c.content)).all())
    imports = returns_repo.list_imports(engine).drop(columns=["uploaded_at"])
    return {
        "reports": reports,
        "history": history,
        "files": files,
        "imports": imports.to_json(),
        "settings": repo.get_settings(engine),
        "units": repo.load_units(engine, include_retired=True).to_json(),
    }


def test_a_restored_backup_gives_the_same_report(engine: Engine, tmp_path: Path, request) -> None:
    fill_database(engine)
    before = _snapshot(engine)
    copies = tmp_path / "copies"
    copies.mkdir()
    assert cli.main(["backup", "-o", str(copies), "--db", engine_url(engine)]) == 0
    made = list(copies.iterdir())
    assert len(made) == 1
    if engine.dialect.name == "sqlite":
        restored = db.connect(f"sqlite:///{made[0]}")
    else:
        url = request.getfixturevalue("empty_pg_url")
        backup.restore_postgres(made[0], url)
        restored = db.connect(url)  # already at the newest schema: nothing to do
    after = _snapshot(restored)
    restored.dispose()
    assert after["reports"] == before["reports"]
    for key in ("history", "files", "imports", "settings", "units"):
        assert after[key] == before[key], key


def test_backup_names_what_is_missing(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on the path
    code = cli.main(["backup", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    assert code == 1
    assert "未找到 pg_dump" in capsys.readouterr().err


def test_the_dump_tool_never_sees_the_password_on_its_command_line() -> None:
    from sqlalchemy.engine import make_url

    plain = backup.libpq_url(make_url("postgresql+psycopg://u:s3cret@h:5432/d?options=-c%20x%3Dy"))
    assert plain == "postgresql://u@h:5432/d?options=-c%20x%3Dy"


def test_a_sqlite_backup_to_a_named_file(sqlite_engine: Engine, tmp_path: Path) -> None:
    fill_database(sqlite_engine)
    target = tmp_path / "copies" / "看板.sqlite3"
    assert backup.backup(sqlite_engine, target) == target
    copy = db.connect(f"sqlite:///{target}")
    pd.testing.assert_frame_equal(repo.load_figures(copy), repo.load_figures(sqlite_engine))
    copy.dispose()


@pytest.mark.parametrize("bad", ["不存在.dump"])
def test_restoring_a_missing_file_is_named(bad: str, tmp_path: Path) -> None:
    with pytest.raises(backup.BackupError, match="找不到备份文件"):
        backup.restore_postgres(tmp_path / bad, "postgresql://nobody@127.0.0.1/none")
