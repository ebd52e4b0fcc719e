"""Figure cells as DOMAIN.md says: blank missing, zero tokens, placeholders, units, decimals."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.ingest.values import CellIssue, parse_cell, parse_column


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        (0, 0),
        (12, 12),
        (12.0, 12),
        ("0", 0),
        ("无", 0),
        ("—", 0),
        ("-", 0),
        ("/", 0),
        ("－", 0),
        ("１２", 12),
        ("12项", 12),
        ("12个", 12),
        ("12 次", 12),
        ("12.0", 12),
        ("3.00", 3),
        (" 7 ", 7),
        ("1,234", 1234),
        ("１２篇", 12),
        (2.9999999999999996, 3),  # a formula's rounding noise
        (0.1 + 0.2 - 0.3, 0),
    ],
)
def test_accepted_cells(cell: object, expected: int | None) -> None:
    assert parse_cell(cell) == expected


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("X", "placeholder"),
        ("XX", "placeholder"),
        ("x", "placeholder"),
        ("ｘ", "placeholder"),
        (-3, "negative"),
        (-3.0, "negative"),
        ("-3", "negative"),
        (12.5, "not_integer"),
        ("12.5", "not_integer"),
        ("十二", "not_integer"),
        ("约10", "not_integer"),
        ("12/13", "not_integer"),
        (True, "not_integer"),
        (dt.date(2023, 10, 27), "not_integer"),
        (float("nan"), "not_integer"),
    ],
)
def test_rejected_cells(cell: object, code: str) -> None:
    result = parse_cell(cell)
    assert isinstance(result, CellIssue)
    assert result.code == code
    assert result.message  # says what to do


def test_column_fast_path_and_mixed_column_agree_with_cells() -> None:
    plain = [1.0, 2.0, 30.0]
    assert parse_column(plain) == [1, 2, 30]
    assert all(type(v) is int for v in parse_column(plain))
    mixed: list[object] = [1.0, None, "无", "X", 4, -1, "5个"]
    issues: list[int] = []
    out = parse_column(mixed, issues)
    assert out[:3] == [1, None, 0]
    assert out[4] == 4 and out[6] == 5
    assert issues == [3, 5]
    assert [parse_cell(v) for v in mixed] == out


def test_fast_path_tolerates_rounding_noise_only() -> None:
    assert parse_column([2.9999999999999996, 4.0]) == [3, 4]
    issues: list[int] = []
    parse_column([2.999, 4.0], issues)
    assert issues == [0]


def test_fast_path_never_accepts_negative_or_fractional_numbers() -> None:
    issues: list[int] = []
    out = parse_column([1.0, 2.5], issues)
    assert issues == [1] and isinstance(out[1], CellIssue)
    issues = []
    out = parse_column([3, -2], issues)
    assert issues == [1] and out[1] == parse_cell(-2)
