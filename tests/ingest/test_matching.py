"""Units by code (zeros restored), full name, alias; unknown names never guessed."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.ingest.matching import UnitMatcher
from tests.ingest.builders import REGISTRY, seed_registry


@pytest.fixture
def matcher() -> UnitMatcher:
    frame = pd.DataFrame(
        [(c, n, a) for c, n, _p, _k, a, _l in REGISTRY], columns=["code", "name", "aliases"]
    )
    return UnitMatcher(frame)


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("0101", None, "0101"),
        (101, None, "0101"),  # typed as a number: the leading zero came back
        (101.0, None, "0101"),
        ("101", None, "0101"),
        ("０１０１", None, "0101"),
        (" 0101 ", None, "0101"),
        (10101, None, "010101"),
        (None, "东城县", "0101"),
        (None, "东 城 县", "0101"),
        (None, "东城县 ", "0101"),
        (None, "东城", "0101"),  # alias
        (None, "西山区委", "0102"),  # second alias
        (None, "城关", "010101"),
        ("9999", "南湖县", "0103"),  # an unknown code but a known name
    ],
)
def test_matches(matcher: UnitMatcher, code: object, name: object, expected: str) -> None:
    assert matcher.match(code, name).code == expected


def test_unknown_name_suggests_closest_registry_names(matcher: UnitMatcher) -> None:
    found = matcher.match(None, "东城县委")
    assert found.code is None
    assert found.problem is not None and "东城县" in found.problem and "名册" in found.problem


def test_empty_unit_cells(matcher: UnitMatcher) -> None:
    found = matcher.match(None, None)
    assert found.code is None and "没有填写单位" in (found.problem or "")


def test_a_name_shared_by_two_units_asks_for_the_code() -> None:
    frame = pd.DataFrame({"code": ["1", "2"], "name": ["新村村", "新村村"], "aliases": ["", ""]})
    found = UnitMatcher(frame).match(None, "新村村")
    assert found.code is None and "多个单位" in (found.problem or "")
    assert UnitMatcher(frame).match("2", "新村村").code == "2"


def test_ambiguous_unpadded_code_is_not_guessed() -> None:
    frame = pd.DataFrame({"code": ["01", "001"], "name": ["甲", "乙"], "aliases": ["", ""]})
    assert UnitMatcher(frame).match(1, None).code is None


def test_from_engine_reads_the_registry(engine) -> None:
    seed_registry(engine)
    matcher = UnitMatcher.from_engine(engine)
    assert matcher.match(102, None).code == "0102"
    assert matcher.match(None, "河口乡").code == "010102"
