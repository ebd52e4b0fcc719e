"""Report dates from titles, cells and file names, and their weekly period."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.ingest.dates import (
    Campaign,
    date_in_cell,
    date_in_file_name,
    date_in_rows,
    date_in_text,
)

CAMPAIGN = Campaign(dt.date(2023, 9, 1), dt.date(2024, 1, 31), 5)
OCT27 = dt.date(2023, 10, 27)


@pytest.mark.parametrize(
    "text",
    [
        "主题教育进展统计表（截至2023年10月27日）",
        "截至 2023 年 10 月 27 日",
        "统计时间：2023.10.27",
        "2023/10/27",
        "2023-10-27",
        "截至10月27日",
        "截至１０月２７日",
        "10月27号",
    ],
)
def test_dates_in_titles(text: str) -> None:
    assert date_in_text(text, CAMPAIGN) == OCT27


def test_month_day_takes_the_campaign_year() -> None:
    assert date_in_text("截至1月5日", CAMPAIGN) == dt.date(2024, 1, 5)
    assert date_in_text("截至9月8日", CAMPAIGN) == dt.date(2023, 9, 8)


def test_latest_date_wins_and_deadlines_are_not_report_dates() -> None:
    assert date_in_text("主题教育（2023年9月1日启动）进展表，截至10月27日", CAMPAIGN) == OCT27
    assert date_in_text("2023年9月1日至10月27日", CAMPAIGN) == OCT27
    assert date_in_text("请于10月30日前报送，数据截至10月27日", CAMPAIGN) == OCT27
    assert date_in_text("请于2023年10月30日前报送", CAMPAIGN) is None


def test_impossible_dates_are_ignored() -> None:
    assert date_in_text("2023年13月40日", CAMPAIGN) is None
    assert date_in_text("共有12个单位", CAMPAIGN) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("东城县周报20231027.xlsx", OCT27),
        ("东城县2023.10.27.xlsx", OCT27),
        ("东城县周报（10.27）.xlsx", OCT27),
        ("东城县10月27日.xls", OCT27),
        ("东城县周报.xlsx", None),
        ("模板v1.2.3.xlsx", None),
    ],
)
def test_dates_in_file_names(name: str, expected: dt.date | None) -> None:
    assert date_in_file_name(name, CAMPAIGN) == expected


def test_date_cells() -> None:
    assert date_in_cell(dt.datetime(2023, 10, 27, 9, 30), CAMPAIGN) == OCT27
    assert date_in_cell(OCT27, CAMPAIGN) == OCT27
    assert date_in_cell(45226.0, CAMPAIGN) == OCT27  # Excel serial day number
    assert date_in_cell("2023年10月27日", CAMPAIGN) == OCT27
    assert date_in_cell(12, CAMPAIGN) is None
    assert date_in_cell(None, CAMPAIGN) is None


def test_date_in_title_rows() -> None:
    rows: list[list[object]] = [[None, "东城县主题教育进展情况统计表"], ["填报日期：2023/10/27"]]
    assert date_in_rows(rows, CAMPAIGN) == OCT27
    assert date_in_rows([["没有日期"]], CAMPAIGN) is None


def test_any_date_maps_to_the_report_day_on_or_after_it() -> None:
    assert CAMPAIGN.period(dt.date(2023, 10, 25)) == OCT27  # a Wednesday → that Friday
    assert CAMPAIGN.period(OCT27) == OCT27
    assert CAMPAIGN.period(dt.date(2023, 10, 28)) == dt.date(2023, 11, 3)
    monday = Campaign(CAMPAIGN.start, CAMPAIGN.end, 1)
    assert monday.period(OCT27) == dt.date(2023, 10, 30)
