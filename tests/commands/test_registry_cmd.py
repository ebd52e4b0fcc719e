"""CLI `registry import`: the new-category step, the big-change guard, the level-name hint."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from dashboard import cli
from dashboard.store import db, repo
from dashboard.store.registry_repo import load_categories
from tests.conftest import engine_url
from tests.registries import five_level_rows, registry_xlsx, three_level_rows


@pytest.fixture
def url(engine: Engine) -> str:
    """The database's URL, on SQLite and on PostgreSQL."""
    return engine_url(engine)


def run(*argv: str) -> int:
    return cli.main(list(argv))


def test_new_categories_need_the_flag(url: str, tmp_path: Path, capsys) -> None:
    source = tmp_path / "云岭市名册.xlsx"
    source.write_bytes(registry_xlsx(five_level_rows()))
    assert run("registry", "import", str(source), "--db", url, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "“村民小组（网格）”54 个" in out and "--add-categories" in out
    assert run("registry", "import", str(source), "--db", url) == 1
    err = capsys.readouterr().err
    assert "村民小组（网格）" in err and "--add-categories" in err
    assert repo.unit_count(db.connect(url)) == 0
    assert run("registry", "import", str(source), "--db", url, "--add-categories") == 0
    out = capsys.readouterr().out
    assert "新增 88 个" in out and "已把新类别加入类别清单" in out
    assert "名册共 5 级" in out and "settings set level_names" in out
    assert "村民小组（网格）" in load_categories(db.connect(url))


def test_big_change_needs_the_flag_and_writes_the_changes(url: str, tmp_path: Path, capsys) -> None:
    first = tmp_path / "云岭市名册.xlsx"
    first.write_bytes(registry_xlsx(five_level_rows()))
    run("registry", "import", str(first), "--db", url, "--add-categories")
    run("settings", "set", "level_names", "市级,县级,乡镇级,村级,网格级", "--db", url)
    capsys.readouterr()
    other = tmp_path / "青禾县名册.xlsx"
    other.write_bytes(registry_xlsx(three_level_rows()))
    changes = tmp_path / "变动.xlsx"
    args = ("registry", "import", str(other), "--db", url, "--add-categories")
    assert run(*args, "--changes", str(changes)) == 1
    captured = capsys.readouterr()
    assert "另一个地区" in captured.err and "--accept-big-change" in captured.err
    table = pd.read_excel(changes, dtype=str)
    assert (table["变动"] == "撤销").sum() == 88 and (table["变动"] == "新增").sum() == 21
    assert len(repo.load_units(db.connect(url))) == 88
    assert run(*args, "--accept-big-change") == 0
    assert "撤销 88 个" in capsys.readouterr().out
    assert set(repo.load_units(db.connect(url))["code"]) == {r[0] for r in three_level_rows()}
