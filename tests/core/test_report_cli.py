"""``python -m dashboard report``: the JSON contract and the Chinese summary, on SQLite and
PostgreSQL (the windowed loader reads only the weeks a report needs)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from dashboard import cli
from dashboard.core import report
from dashboard.store import report_inputs

from .report_data import (
    SILENT_IN_W3,
    W1,
    W2,
    W3,
    figures_frame,
    fill_database,
    settings,
    units_frame,
)


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_is_exactly_the_contract(any_engine: Engine, capsys) -> None:
    fill_database(any_engine)
    code, out, _ = run(capsys, "report", "--db", url_of(any_engine), "--json")
    assert code == 0
    doc = json.loads(out)  # exactly one JSON document, nothing else on stdout
    expected = report.build_report(units_frame(), figures_frame(), settings()).to_json()
    assert doc == json.loads(json.dumps(expected))
    assert doc["report_date"] == "2023-10-27"
    assert doc["not_reported"] == [SILENT_IN_W3]
    assert doc["gradient_flagged_subtrees"] == ["0102"]
    assert doc["coverage"]["expected"] == 15 and doc["coverage"]["reported"] == 14


def test_date_and_scope(any_engine: Engine, capsys) -> None:
    fill_database(any_engine)
    code, out, _ = run(
        capsys,
        "report",
        "--db",
        url_of(any_engine),
        "--date",
        W2.isoformat(),
        "--scope",
        "0102",
        "--json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["report_date"] == "2023-10-20"
    # W2: all 7 units of 乙县 reported.
    assert doc["coverage"] == {"expected": 7, "reported": 7, "rate": 1.0}
    assert [lv["level"] for lv in doc["levels"]] == [2, 3, 4]
    # W1 is the first week: nobody's rank can have changed yet.
    code, out, _ = run(
        capsys, "report", "--db", url_of(any_engine), "--date", W1.isoformat(), "--json"
    )
    assert all(r["rank_change"] is None for r in json.loads(out)["rankings"])


def test_readable_summary(engine: Engine, capsys) -> None:
    fill_database(engine)
    code, out, _ = run(capsys, "report", "--db", url_of(engine))
    assert code == 0
    assert "截至2023年10月27日" in out
    assert "全市应报单位15个，已报14个，报送率93.3%" in out
    assert "乙县（0102）：上热下冷" in out
    assert "乙四村（01020202）：未报送" in out


def test_errors_say_what_to_do(engine: Engine, capsys) -> None:
    code, _, err = run(capsys, "report", "--db", url_of(engine), "--json")
    assert code == 1 and "单位名册为空" in err
    fill_database(engine)
    code, _, err = run(capsys, "report", "--db", url_of(engine), "--date", "2023-10-26")
    assert code == 1 and "没有周报数据" in err and "2023-10-27" in err
    code, _, err = run(capsys, "report", "--db", url_of(engine), "--date", "27/10/2023")
    assert code == 1 and "YYYY-MM-DD" in err
    code, _, err = run(capsys, "report", "--db", url_of(engine), "--scope", "9999")
    assert code == 1 and "不在单位名册中" in err


def test_window_loader_matches_the_full_history(any_engine: Engine) -> None:
    fill_database(any_engine)
    figures, days = report_inputs.load_window(any_engine, W3, 1)
    # The W3 rows plus each unit's latest row before W3 (W2 for everyone).
    assert days == [W1, W2, W3]
    assert len(figures) == 14 + 15
    assert set(figures["report_date"].dt.date) == {W2, W3}
    windowed = report.build_report(units_frame(), figures, settings(), W3, all_dates=days)
    full = report.build_report(units_frame(), figures_frame(), settings(), W3)
    assert windowed.totals.equals(full.totals)
    assert windowed.coverage == full.coverage


@pytest.mark.parametrize("weeks", [None, 2])
def test_window_loader_without_a_date_takes_the_latest_week(engine: Engine, weeks) -> None:
    fill_database(engine)
    figures, days = report_inputs.load_window(engine, None, weeks)
    assert days[-1] == W3
    assert figures["report_date"].max().date() == W3


def test_window_loader_reads_only_the_indicators_asked_for(any_engine: Engine) -> None:
    fill_database(any_engine)
    full, days = report_inputs.load_window(any_engine, W3, 2)
    lean, lean_days = report_inputs.load_window(
        any_engine, W3, 2, indicators=["deeds_done", "problems_found"]
    )
    assert lean_days == days
    assert list(lean.columns) == list(full.columns)
    for column in ("unit_code", "report_date", "deeds_done", "problems_found"):
        assert lean[column].tolist() == full[column].tolist()
    assert lean["problems_closed"].isna().all()
