"""CLI: init, registry import, template, demo — exit codes and Chinese messages."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from dashboard import cli
from dashboard.store import db, repo
from tests.conftest import engine_url
from tests.core.test_registry import GOOD, workbook


@pytest.fixture
def url(engine: Engine) -> str:
    """The database's URL, on SQLite and on PostgreSQL."""
    return engine_url(engine)


def run(*argv: str) -> int:
    return cli.main(list(argv))


def test_init_sets_settings(url: str, capsys) -> None:
    code = run(
        "init",
        "--db",
        url,
        "--name",
        "某市主题教育",
        "--start",
        "2023-09-01",
        "--end",
        "2024-01-31",
        "--report-weekday",
        "4",
    )
    assert code == 0
    values = repo.get_settings(db.connect(url))
    assert values["campaign_name"] == "某市主题教育" and values["report_weekday"] == 4
    assert "数据库已就绪" in capsys.readouterr().out


def test_init_bad_input(url: str, capsys) -> None:
    assert run("init", "--db", url, "--start", "2023-13-01") == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert run("init", "--db", url, "--start", "2024-02-01", "--end", "2024-01-01") == 1
    assert "早于" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        run("init", "--db", url, "--report-weekday", "9")
    assert exit_info.value.code == 2


def test_registry_import_ok_and_rejected(url: str, tmp_path: Path, capsys) -> None:
    good = tmp_path / "名册.xlsx"
    good.write_bytes(workbook(GOOD))
    assert run("registry", "import", str(good), "--db", url) == 0
    assert "新增 5 个" in capsys.readouterr().out
    bad = tmp_path / "坏名册.xlsx"
    bad.write_bytes(workbook([*GOOD, ["0101", "重复", "01", "", ""]]))
    assert run("registry", "import", str(bad), "--db", url) == 1
    err = capsys.readouterr().err
    assert "第 9 行" in err and "重复" in err and "类别为空" in err and "未导入" in err
    assert len(repo.load_units(db.connect(url))) == 5
    assert run("registry", "import", str(tmp_path / "nope.xlsx"), "--db", url) == 1


def test_template_file_scope_and_split(url: str, tmp_path: Path, capsys) -> None:
    source = tmp_path / "名册.xlsx"
    source.write_bytes(workbook(GOOD))
    run("registry", "import", str(source), "--db", url)
    out = tmp_path / "t.xlsx"
    assert (
        run("template", "--db", url, "--date", "2023-10-27", "--scope", "0101", "-o", str(out)) == 0
    )
    sheet = load_workbook(out)["周报"]
    assert "2023年10月27日" in sheet["A1"].value
    assert [sheet.cell(r, 1).value for r in range(4, sheet.max_row + 1)] == [
        "0101",
        "010101",
        "01010101",
    ]
    zipped = tmp_path / "t.zip"
    assert run("template", "--db", url, "--date", "2023-10-27", "--split", "-o", str(zipped)) == 0
    with zipfile.ZipFile(io.BytesIO(zipped.read_bytes())) as archive:
        assert len(archive.namelist()) == 3
    assert run("template", "--db", url, "--scope", "9999", "-o", str(out)) == 1
    assert "不在当前名册" in capsys.readouterr().err
    assert run("template", "--db", url, "--date", "27/10/2023", "-o", str(out)) == 1
    with pytest.raises(SystemExit) as exit_info:
        run("template", "--db", url)
    assert exit_info.value.code == 2


def test_demo_refuses_a_foreign_registry(url: str, tmp_path: Path, capsys) -> None:
    source = tmp_path / "名册.xlsx"
    source.write_bytes(workbook([["99", "别的市", "", "党政机关", ""]]))
    run("registry", "import", str(source), "--db", url)
    assert run("demo", "--db", url) == 1
    assert "--db" in capsys.readouterr().err


def test_every_command_has_help() -> None:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in ("init", "registry", "template", "demo"):
        assert sub.choices[name].description, name


def test_demo_loads_the_demo_city(url: str, capsys) -> None:
    assert run("demo", "--db", url) == 0
    assert "演示数据已导入" in capsys.readouterr().out
    assert repo.get_settings(db.connect(url))["city_name"] == "青川市"
