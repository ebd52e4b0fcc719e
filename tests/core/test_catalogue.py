"""The indicator catalogue: one consistent piece of data."""

from __future__ import annotations

import pytest

from dashboard.core import catalogue
from dashboard.core.catalogue import (
    GROUPS,
    INDICATOR_CODES,
    INDICATORS,
    META_COLUMNS,
    RATES,
    RULES,
    header_index,
    meta_index,
    normalise_header,
)


def test_codes_unique_and_groups_known() -> None:
    assert len(set(INDICATOR_CODES)) == len(INDICATORS)
    assert all(ind.group in GROUPS for ind in INDICATORS)
    assert all(ind.label and ind.unit for ind in INDICATORS)


def test_every_wording_maps_back_to_its_indicator() -> None:
    index = header_index()
    for ind in INDICATORS:
        for wording in ind.wordings():
            assert catalogue.indicator_for_header(wording) == ind.code, wording
            assert normalise_header(wording) in index


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("读书班（天）", "reading_days"),
        ("读书班(天)", "reading_days"),
        ("读书班（期）", "reading_classes"),
        ("读书班", "reading_classes"),
        ("完成调研报告(篇)", "survey_reports"),
        ("检视问题数（个）", "problems_found"),
    ],
)
def test_the_written_unit_tells_indicators_with_one_stem_apart(written: str, code: str) -> None:
    assert catalogue.indicator_for_header(written) == code


def test_no_wording_is_shared_with_a_meta_column() -> None:
    assert not set(header_index()) & set(meta_index())
    for key, wordings in META_COLUMNS.items():
        for wording in wordings:
            assert meta_index()[normalise_header(wording)] == key


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("读书班期数（期）", "读书班期数"),
        ("读书班期数(期)", "读书班期数"),
        (" 读书班\n期数 ", "读书班期数"),
        ("完成调研报告（篇）", "完成调研报告"),
        ("ＡＢＣ１２", "abc12"),
        ("检视问题数：", "检视问题数"),
        (None, ""),
    ],
)
def test_normalise_header(written: object, expected: str) -> None:
    assert normalise_header(written) == expected


def test_typical_variants_resolve() -> None:
    index = header_index()
    for written, code in [
        ("读书班（期）", "reading_classes"),
        ("举办读书班期数", "reading_classes"),
        ("已销号问题数", "problems_closed"),
        ("问题整改销号数", "problems_closed"),
        ("完成调研报告(篇)", "survey_reports"),
    ]:
        assert index[normalise_header(written)] == code


def test_rules_and_rates_reference_real_codes() -> None:
    for rule in RULES:
        assert rule.lhs in INDICATOR_CODES and rule.rhs in INDICATOR_CODES
        assert rule.severity in ("error", "warning") and rule.message
    for item in RATES:
        assert item.numerator in INDICATOR_CODES and item.denominator in INDICATOR_CODES
        assert catalogue.rate(item.code) is item
    assert {r.code for r in RULES if r.severity == "error"} == {"closed_gt_found", "done_gt_set"}


def test_by_group_keeps_every_indicator_once() -> None:
    grouped = [ind.code for inds in catalogue.by_group().values() for ind in inds]
    assert sorted(grouped) == sorted(INDICATOR_CODES)
    assert catalogue.indicator("problems_found").unit == "个"
    with pytest.raises(KeyError):
        catalogue.indicator("nope")
