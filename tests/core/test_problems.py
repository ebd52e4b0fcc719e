"""The one problem collector: what a file with more problems than are listed reports."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from dashboard.core.problems import PROBLEMS_KEPT, Problem, ProblemCollector


@dataclass
class Outcome(ProblemCollector):
    problems: list[Problem] = field(default_factory=list)
    dropped: Counter[tuple[str, str]] = field(default_factory=Counter)


def _problems(n: int, severity: str = "error", code: str = "not_a_number") -> list[Problem]:
    return [
        Problem("周报", row, "读书班数", "x", severity, code, "应为数字")  # type: ignore[arg-type]
        for row in range(2, n + 2)
    ]


def _stated_total(outcome: Outcome) -> int:
    found = re.search(r"共发现 ([\d,]+) 处问题", outcome.problems[0].message)
    assert found, outcome.problems[0].message
    return int(found.group(1).replace(",", ""))


def test_the_too_many_notice_states_every_problem_found() -> None:
    outcome = Outcome()
    outcome.add_problems(_problems(PROBLEMS_KEPT + 5))
    outcome.add_problems(_problems(3, "warning", "fell"))
    outcome.note_dropped()
    assert outcome.problems[0].code == "too_many_problems"
    assert _stated_total(outcome) == PROBLEMS_KEPT + 8
    assert outcome.problem_total == PROBLEMS_KEPT + 8
    assert (outcome.error_total, outcome.warning_total) == (PROBLEMS_KEPT + 5, 3)


def test_the_totals_are_the_same_before_and_after_the_notice() -> None:
    outcome = Outcome()
    outcome.add_problems(_problems(PROBLEMS_KEPT + 1))
    before = (outcome.problem_total, outcome.error_total, outcome.warning_total)
    outcome.note_dropped()
    outcome.note_dropped()  # once only
    assert before == (PROBLEMS_KEPT + 1, PROBLEMS_KEPT + 1, 0)
    assert (outcome.problem_total, outcome.error_total, outcome.warning_total) == before
    assert [p.code for p in outcome.problems].count("too_many_problems") == 1


def test_a_file_within_the_limit_has_no_notice() -> None:
    outcome = Outcome()
    outcome.add_problems(_problems(PROBLEMS_KEPT))
    outcome.note_dropped()
    assert outcome.problem_total == PROBLEMS_KEPT
    assert all(p.code != "too_many_problems" for p in outcome.problems)
