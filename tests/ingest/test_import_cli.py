"""``python -m dashboard import``: the JSON contract, exit codes, --dry-run and --date."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from dashboard.cli import main
from dashboard.ingest import sandbox
from dashboard.store.schema import figures, imports
from tests.ingest.builders import figures as figs
from tests.ingest.builders import seed_registry, template_return, xlsx

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True, scope="module")
def _stop_workers() -> Iterator[None]:
    yield
    sandbox.shutdown()


@pytest.fixture
def setup(engine: Engine, tmp_path: Path) -> tuple[Engine, str, Path, Path, Path]:
    seed_registry(engine)
    good = tmp_path / "东城县.xlsx"
    good.write_bytes(
        xlsx(
            template_return([("0101", "东城县", figs(1)), ("0102", "西山区", ["X", *figs(2)[1:]])])
        )
    )
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes("不是表格".encode())
    undated = tmp_path / "周报.xlsx"
    undated.write_bytes(xlsx(template_return([("0103", "南湖县", figs(3))], day=None)))
    return engine, str(engine.url), good, bad, undated


def stored_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(figures)).scalar_one()


def import_statuses(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(imports.c.status).order_by(imports.c.id)).scalars())


def test_json_contract_in_a_subprocess(setup) -> None:
    engine, url, good, bad, _ = setup
    proc = subprocess.run(
        [sys.executable, "-m", "dashboard", "import", str(good), str(bad), "--db", url, "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr  # one file was rejected
    document = json.loads(proc.stdout)  # exactly one JSON document, nothing else
    assert list(document) == ["files"]
    first, second = document["files"]
    assert list(first) == ["file", "status", "report_date", "accepted", "problems"]
    assert first["file"] == "东城县.xlsx" and first["status"] == "imported"
    assert first["report_date"] == "2023-10-27"
    assert first["accepted"] == [
        {
            "unit_code": "0101",
            "report_date": "2023-10-27",
            "values": {
                "reading_classes": 3, "reading_days": 7, "study_sessions": 11,
                "party_lectures": 4, "survey_topics": 5, "survey_reports": 4,
                "typical_cases": 3, "problems_found": 21, "problems_closed": 13,
                "measures_set": 31, "measures_done": 19, "deeds_done": 16,
                "opinions": 41, "rules_made": 6,
            },
        }
    ]  # fmt: skip
    assert first["problems"] == [
        {
            "sheet": "周报",
            "row": 5,
            "column": "读书班期数（期）",
            "value": "X",
            "severity": "error",
            "code": "placeholder",
            "message": first["problems"][0]["message"],
        }
    ]
    assert second["status"] == "rejected" and second["report_date"] is None
    assert [p["code"] for p in second["problems"]] == ["not_excel"]
    assert second["problems"][0]["sheet"] is None and second["problems"][0]["row"] is None
    assert stored_rows(engine) == 1


def test_exit_zero_when_every_file_was_read_even_with_problems(setup, capsys) -> None:
    engine, url, good, _, _ = setup
    assert main(["import", str(good), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "东城县.xlsx：已入库" in out and "占位符" in out
    assert import_statuses(engine) == ["imported"]


def test_dry_run_stores_nothing(setup, capsys) -> None:
    engine, url, good, bad, _ = setup
    assert main(["import", str(good), str(bad), "--db", url, "--dry-run", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [f["status"] for f in document["files"]] == ["checked", "rejected"]
    assert stored_rows(engine) == 0 and import_statuses(engine) == []


def test_missing_date_then_date_option(setup, capsys) -> None:
    engine, url, _, _, undated = setup
    assert main(["import", str(undated), "--db", url, "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [p["code"] for p in document["files"][0]["problems"]] == ["no_date"]
    assert "--date" in document["files"][0]["problems"][0]["message"]
    assert main(["import", str(undated), "--db", url, "--json", "--date", "2023-11-01"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["files"][0]["report_date"] == "2023-11-03"  # the period's report day
    assert document["files"][0]["accepted"][0]["unit_code"] == "0103"


def test_bad_date_and_missing_file_are_clean_errors(setup, capsys, tmp_path) -> None:
    _, url, good, _, _ = setup
    assert main(["import", str(good), "--db", url, "--date", "27/10/2023"]) == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "无.xlsx"), "--db", url]) == 1
    assert "找不到文件" in capsys.readouterr().err


def test_help_text(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    assert "--dry-run" in capsys.readouterr().out
