"""Timeliness feeds the board: 按时报送率 in the week's coverage and briefing text, 逾期未报 as
a lagging reason — through the door, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from dashboard import door
from dashboard.entry import entries, tasks
from dashboard.export import briefing
from dashboard.store import returns_repo
from tests.entry.helpers import FRI, add_units, at

OFFICE = entries.Actor("office", "office")


def test_on_time_rate_and_overdue_reason(any_engine) -> None:
    add_units(any_engine)
    task = tasks.open_task(any_engine, FRI, opens_at=at(FRI, 0), deadline=at(FRI, 12))
    entries.submit(
        any_engine,
        task,
        OFFICE,
        {"101": {"deeds_done": 3}, "10101": {"deeds_done": 1}},
        {"101": 0, "10101": 0},
        now=at(FRI, 1),
    )
    entries.submit(
        any_engine, task, OFFICE, {"102": {"deeds_done": 2}}, {"102": 0}, now=at(FRI, 13)
    )
    # the deadline (2023) has long passed: the four silent units are 逾期未报
    report = door.week_report(any_engine, FRI)
    cov = report.coverage
    assert (cov["on_time"], cov["late"], cov["overdue"]) == (2, 1, 4)
    assert abs(cov["on_time_rate"] - 2 / 7) < 1e-9
    lagging = report.lagging.set_index("unit_code")
    assert "逾期未报" in lagging.loc["10202", "reasons"]
    assert "逾期未报" not in lagging.loc["102", "reasons"] if "102" in lagging.index else True
    assert "按时报送率28.6%" in report.findings[0] and "逾期未报4个" in report.findings[0]
    assert "逾期未报" in report.findings[-1]
    # the briefing's opening paragraph says the same
    doc = briefing.compose(report)
    paragraphs = [p for section in doc.sections for p in section.paragraphs]
    assert any("按时报送率28.6%" in p for p in paragraphs)
    # the scope's own rate: 甲县 and its two townships, two on time
    county = door.week_report(any_engine, FRI, "101")
    assert county.coverage["on_time"] == 2 and county.coverage["expected"] == 3


def test_weeks_without_a_task_say_nothing_of_timeliness(any_engine) -> None:
    add_units(any_engine)
    returns_repo.save_upload(
        any_engine,
        file_name="a.xlsx",
        content=b"a",
        status="imported",
        rows=[
            {
                "unit_code": "101",
                "report_date": FRI,
                "figures": {"deeds_done": 1},
                "sheet": None,
                "row": 1,
            }
        ],
    )
    report = door.week_report(any_engine, FRI)
    assert report.coverage.get("on_time_rate") is None
    assert "按时" not in report.findings[0]
    assert not report.lagging["reasons"].map(lambda r: "逾期未报" in r).any()
    assert door.timeliness(any_engine, FRI, None) is None
    assert dt.date(2023, 10, 27) == FRI
