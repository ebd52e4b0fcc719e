"""Typed setting values as users type them (settings page and ``settings set``)."""

from __future__ import annotations

import pytest

from dashboard.core.settings import SettingError, defaults, parse_value


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("start_date", " 2023-09-01 ", "2023-09-01"),
        ("report_weekday", "5", 5),
        ("lag_spread", "2.5", 2.5),
        ("level_names", "市级，县级, 乡镇级", ["市级", "县级", "乡镇级"]),
        ("office_name", " 办公室 ", "办公室"),
        ("briefing_issue_date", "", ""),
        ("briefing_issue_date", "2023-10-27", "2023-10-27"),
    ],
)
def test_values_are_typed(key: str, text: str, value: object) -> None:
    assert parse_value(key, text) == value


@pytest.mark.parametrize(
    ("key", "text", "hint"),
    [
        ("start_date", "10月1日", "YYYY-MM-DD"),
        ("report_weekday", "8", "1–7"),
        ("stall_weeks", "两周", "整数"),
        ("briefing_issue_date", "上周", "YYYY-MM-DD"),
        ("no_such_setting", "1", "可用的设置项"),
        ("level_names", "市级,县级,村级,村级", "各不相同"),
        ("categories", "学校,医院,学校", "合并"),
    ],
)
def test_bad_values_say_what_is_expected(key: str, text: str, hint: str) -> None:
    with pytest.raises(SettingError) as info:
        parse_value(key, text)
    assert hint in str(info.value)


def test_every_setting_has_a_default() -> None:
    values = defaults()
    assert values["briefing_issue"] == 1 and values["briefing_issue_date"] == ""


def test_category_list_and_level_names_for_any_depth() -> None:
    from dashboard.core.settings import (
        DEFAULT_CATEGORIES,
        level_names_for,
        missing_level_names,
    )

    assert defaults()["categories"] == list(DEFAULT_CATEGORIES)
    assert parse_value("categories", "村民小组（网格）, 事业单位") == [
        "村民小组（网格）",
        "事业单位",
    ]
    names = ["市级", "县级", "乡镇级", "村级"]
    assert missing_level_names(6, names) == [5, 6]
    assert missing_level_names(3, names) == []
    assert level_names_for(6, names)[4:] == ["第5级", "第6级"]
    assert level_names_for(3, names) == names
