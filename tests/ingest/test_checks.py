"""Rules from the catalogue, drops against last week, a unit twice in one return."""

from __future__ import annotations

import datetime as dt

from dashboard.core.catalogue import RULES
from dashboard.ingest import checks

DAY = dt.date(2023, 10, 27)


def row(values: dict[str, int | None], unit: str = "0101", line: int = 5) -> checks.Row:
    columns = {code: (i + 2, f"列{code}") for i, code in enumerate(values)}
    return checks.Row("周报", line, unit, "东城县", 1, "单位名称", DAY, values, columns)


def test_every_catalogue_rule_is_checked_with_its_severity() -> None:
    for rule in RULES:
        broken = row({rule.lhs: 5, rule.rhs: 3})
        problems = checks.rule_problems([broken])
        assert [(p.code, p.severity) for p in problems] == [(rule.code, rule.severity)]
        assert problems[0].column == f"列{rule.lhs}" and problems[0].value == "5"
        assert problems[0].row == 5 and problems[0].sheet == "周报"
        assert broken.has_error is (rule.severity == "error")


def test_rules_hold_or_are_skipped_when_a_figure_is_missing() -> None:
    fine = row(
        {"problems_found": 5, "problems_closed": 5, "measures_set": 2, "measures_done": None}
    )
    assert checks.rule_problems([fine]) == []
    assert fine.has_error is False


def test_named_rules() -> None:
    found = checks.rule_problems(
        [
            row({"problems_found": 3, "problems_closed": 4}),
            row({"measures_set": 1, "measures_done": 2}),
            row({"survey_topics": 1, "survey_reports": 2}),
        ]
    )
    assert [(p.code, p.severity) for p in found] == [
        ("closed_gt_found", "error"),
        ("done_gt_set", "error"),
        ("reports_gt_topics", "warning"),
    ]


def test_decrease_against_previous_week_is_a_warning() -> None:
    current = row({"reading_classes": 2, "problems_found": 10, "opinions": None})
    previous = {"0101": {"reading_classes": 3, "problems_found": 10, "opinions": 4}}
    found = checks.decrease_problems([current], previous)
    assert [(p.code, p.severity, p.value, p.column) for p in found] == [
        ("decreased", "warning", "2", "列reading_classes")
    ]
    assert "3" in found[0].message
    assert current.has_error is False
    assert checks.decrease_problems([current], {}) == []


def test_duplicate_unit_marks_every_occurrence() -> None:
    first, second, other = row({}, line=5), row({}, line=9), row({}, unit="0102", line=6)
    found = checks.duplicate_problems([first, other, second])
    assert [(p.code, p.row, p.severity) for p in found] == [
        ("duplicate_unit", 5, "error"),
        ("duplicate_unit", 9, "error"),
    ]
    assert first.has_error and second.has_error and not other.has_error
    assert "第5行" in found[0].message and "第9行" in found[0].message


def test_same_unit_in_two_different_weeks_is_not_a_duplicate() -> None:
    first, second = row({}), row({})
    second.report_date = DAY + dt.timedelta(days=7)
    assert checks.duplicate_problems([first, second]) == []
