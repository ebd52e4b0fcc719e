"""CLI and storage for a clean first day: init stays empty, demo has its own database,
reset names what goes and backs up first (SQLite) or insists on pg_dump (PostgreSQL)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from dashboard import cli
from dashboard.store import db, repo, reset
from tests.core.test_registry import GOOD, workbook


def run(*argv: str) -> int:
    return cli.main(list(argv))


def load_registry(url: str, tmp_path: Path) -> None:
    source = tmp_path / "名册.xlsx"
    source.write_bytes(workbook(GOOD))
    assert run("registry", "import", str(source), "--db", url) == 0


def test_init_stays_empty_and_says_what_is_next(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'office.sqlite3'}"
    target = tmp_path / "单位名册模板.xlsx"
    assert run("init", "--db", url, "--registry-template", str(target)) == 0
    out = capsys.readouterr().out
    assert repo.unit_count(db.connect(url)) == 0, "no demo in a new database"
    assert "registry import" in out and "python -m dashboard demo" in out
    sheet = load_workbook(target)["单位名册"]
    assert [c.value for c in sheet[2]] == [
        "单位编码",
        "单位名称",
        "上级单位编码",
        "类别",
        "别名",
        "联络人",
        "联系电话",
    ]


def test_demo_goes_to_its_own_database(tmp_path: Path, monkeypatch, capsys) -> None:
    office = f"sqlite:///{tmp_path / 'office.sqlite3'}"
    demo = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", office)
    monkeypatch.setenv("DEMO_DATABASE_URL", demo)
    assert run("demo") == 0
    assert "演示数据已导入" in capsys.readouterr().out
    assert repo.unit_count(db.connect(demo)) > 1000
    assert repo.unit_count(db.connect(office)) == 0
    assert run("demo") == 0, "a second run finds the demo in place"
    assert "未重复导入" in capsys.readouterr().out


def test_demo_refuses_the_office_database_as_its_own(tmp_path: Path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'same.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEMO_DATABASE_URL", url)
    assert run("demo") == 1
    assert "DEMO_DATABASE_URL" in capsys.readouterr().err


def test_reset_names_what_goes_and_backs_up_first(tmp_path: Path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'office.sqlite3'}"
    load_registry(url, tmp_path)
    assert run("settings", "set", "city_name", "某市", "--db", url) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert run("reset", "--db", url) == 1, "not confirmed"
    captured = capsys.readouterr()
    assert "单位名册 5 个单位" in captured.out and "--yes" in captured.err
    assert repo.unit_count(db.connect(url)) == 5
    assert run("reset", "--db", url, "--yes") == 0
    out = capsys.readouterr().out
    assert "已清空" in out and "备份" in out
    engine = db.connect(url)
    assert reset.counts(engine).is_empty()
    assert repo.get_settings(engine)["city_name"] == "某市", "settings kept without --settings"
    backups = list((tmp_path / "backups").glob("office-*.sqlite3"))
    assert len(backups) == 1 and str(backups[0]) in out
    with sqlite3.connect(backups[0]) as copy:
        assert copy.execute("select count(*) from units").fetchone()[0] == 5
    assert run("reset", "--db", url, "--yes", "--settings") == 0
    assert repo.get_settings(db.connect(url))["city_name"] == ""


def test_reset_asks_in_a_terminal(tmp_path: Path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'office.sqlite3'}"
    load_registry(url, tmp_path)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda _prompt: "不")
    assert run("reset", "--db", url) == 1
    assert repo.unit_count(db.connect(url)) == 5
    monkeypatch.setattr("builtins.input", lambda _prompt: "清空")
    assert run("reset", "--db", url) == 0
    assert repo.unit_count(db.connect(url)) == 0


def test_reset_on_either_database(any_engine: Engine, tmp_path: Path) -> None:
    """SQLite is backed up by the app; PostgreSQL needs a confirmed pg_dump first."""
    from dashboard.ingest.registry_file import parse_registry
    from dashboard.store.registry_repo import apply_registry

    content = workbook(GOOD)
    apply_registry(
        any_engine, parse_registry("名册.xlsx", content), file_name="名册.xlsx", content=content
    )
    found = reset.counts(any_engine)
    assert found.units == 5 and found.imports == 1 and found.files == 1
    if reset.is_sqlite(any_engine):
        outcome = reset.reset(any_engine, backup_directory=tmp_path / "copies")
        assert outcome.backup is not None and outcome.backup.parent == tmp_path / "copies"
    else:
        with pytest.raises(reset.ResetError, match="pg_dump"):
            reset.reset(any_engine)
        assert repo.unit_count(any_engine) == 5, "nothing goes without a backup"
        outcome = reset.reset(any_engine, server_backup_confirmed=True)
        assert outcome.backup is None
    assert outcome.removed == found
    assert reset.counts(any_engine).is_empty()


def test_init_flags_a_database_that_holds_the_demo(tmp_path: Path, monkeypatch, capsys) -> None:
    """An older install loaded the demo into the office's database: say how to start clean."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    monkeypatch.setenv("DEMO_DATABASE_URL", url)
    assert run("demo") == 0
    capsys.readouterr()
    assert run("init", "--db", url) == 0
    assert "reset --settings" in capsys.readouterr().out
