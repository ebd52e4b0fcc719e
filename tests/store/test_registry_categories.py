"""Issue 16 and 12: the office's category list, the new-category step, category edits that
carry their units, and the big-change guard — on SQLite and PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.registry import CategoryError, Registry
from dashboard.core.settings import DEFAULT_CATEGORIES
from dashboard.ingest.registry_file import parse_registry
from dashboard.store import repo
from dashboard.store.registry_repo import (
    BigChangeError,
    NewCategoriesError,
    apply_registry,
    category_usage,
    load_categories,
    preview_registry,
    rename_category,
    save_categories,
)
from tests.registries import five_level_rows, registry_xlsx, three_level_rows


def parsed(engine, rows: list[list[object]]) -> Registry:
    registry = parse_registry("名册.xlsx", registry_xlsx(rows), load_categories(engine))
    assert registry.ok, registry.problems
    return registry


def test_new_categories_stop_once_then_are_added_with_their_units(any_engine) -> None:
    registry = parsed(any_engine, five_level_rows())
    assert registry.depth == 5
    assert registry.new_categories == {"事业单位": 3, "村民小组（网格）": 54}
    with pytest.raises(NewCategoriesError) as stopped:
        apply_registry(any_engine, registry)
    assert "村民小组（网格）" in str(stopped.value) and "54 个单位" in str(stopped.value)
    assert repo.unit_count(any_engine) == 0  # nothing stored
    summary = apply_registry(any_engine, registry, add_categories=True)
    assert summary.total == 88 and len(summary.added) == 88
    assert load_categories(any_engine) == [*DEFAULT_CATEGORIES, "事业单位", "村民小组（网格）"]
    assert category_usage(any_engine)["村民小组（网格）"] == 54
    units = repo.load_units(any_engine)
    assert units["level"].max() == 5
    # the same registry again: nothing new, nothing asked
    again = parsed(any_engine, five_level_rows())
    assert not again.new_categories
    assert not apply_registry(any_engine, again).changed


def test_rename_merge_reorder_and_refusals(any_engine) -> None:
    apply_registry(any_engine, parsed(any_engine, five_level_rows()), add_categories=True)
    moved = rename_category(any_engine, "村民小组（网格）", "网格")
    assert moved == 54
    assert "网格" in load_categories(any_engine)
    assert "村民小组（网格）" not in load_categories(any_engine)
    units = repo.load_units(any_engine)
    assert (units["category"] == "网格").sum() == 54
    # merge: the target exists already
    moved = rename_category(any_engine, "事业单位", "党政机关")
    assert moved == 3
    usage = category_usage(any_engine)
    assert "事业单位" not in usage and usage["党政机关"] == 1 + 3 + 3
    assert "事业单位" not in load_categories(any_engine)
    # order and add
    order = ["网格", "村（社区）", "乡镇（街道）", "党政机关", "学校", "社会组织"]
    assert save_categories(any_engine, order) == order
    assert load_categories(any_engine) == order
    with pytest.raises(CategoryError, match="还有单位"):
        save_categories(any_engine, ["网格", "村（社区）", "乡镇（街道）"])
    with pytest.raises(CategoryError, match="重复"):
        save_categories(any_engine, [*order, "网 格"])
    with pytest.raises(CategoryError, match="为空"):
        rename_category(any_engine, "网格", "  ")
    assert load_categories(any_engine) == order  # refusals change nothing


def test_a_registry_with_the_offices_own_list_needs_no_step(any_engine) -> None:
    repo.set_settings(any_engine, {"categories": ["县直机关", "乡镇", "行政村"]})
    registry = parsed(any_engine, three_level_rows())
    assert not registry.new_categories and registry.depth == 3
    summary = apply_registry(any_engine, registry)
    assert summary.total == 21


def _renamed(rows: list[list[object]], share: float) -> list[list[object]]:
    count = int(len(rows) * share)
    return [
        [row[0], f"{row[1]}（新）", *row[2:]] if index < count else row
        for index, row in enumerate(rows)
    ]


def test_big_change_stops_lists_changes_and_goes_on_when_accepted(any_engine) -> None:
    rows = five_level_rows()
    apply_registry(any_engine, parsed(any_engine, rows), add_categories=True)
    small = preview_registry(any_engine, parsed(any_engine, _renamed(rows, 0.15)))
    assert not small.big_change
    big_rows = _renamed(rows, 0.3)[:-10]  # 26 renamed and 10 retired of 88
    registry = parsed(any_engine, big_rows)
    preview = preview_registry(any_engine, registry)
    assert preview.big_change and not preview.other_city
    table = preview.changes_frame()
    assert set(table["变动"]) == {"更名", "撤销"}
    assert (table["变动"] == "撤销").sum() == 10 and (table["变动"] == "更名").sum() == 26
    renamed = table[table["变动"] == "更名"].iloc[0]
    assert renamed["新名称"] == f"{renamed['原名称']}（新）"
    with pytest.raises(BigChangeError) as stopped:
        apply_registry(any_engine, registry)
    assert "五分之一" in str(stopped.value) and "另一个地区" not in str(stopped.value)
    assert "云岭1县（新）" not in set(repo.load_units(any_engine)["name"])
    summary = apply_registry(any_engine, registry, accept_big_change=True)
    assert len(summary.renamed) == 26 and len(summary.retired) == 10


def test_another_citys_registry_is_named_as_such(any_engine) -> None:
    apply_registry(any_engine, parsed(any_engine, five_level_rows()), add_categories=True)
    other = parsed(any_engine, three_level_rows())
    with pytest.raises(NewCategoriesError):
        apply_registry(any_engine, other, accept_big_change=True)
    with pytest.raises(BigChangeError) as stopped:
        apply_registry(any_engine, other, add_categories=True)
    message = str(stopped.value)
    assert "另一个地区" in message and "云岭市" in message and "青禾县" in message
    assert "新建活动" in message
    assert len(repo.load_units(any_engine)) == 88
    assert len(load_categories(any_engine)) == len(DEFAULT_CATEGORIES) + 2  # not added either


def test_contacts_are_kept_changed_and_fill_the_template(any_engine) -> None:
    import io

    from openpyxl import load_workbook

    from dashboard.export import template

    rows = five_level_rows()
    apply_registry(any_engine, parsed(any_engine, rows), add_categories=True)
    units = repo.load_units(any_engine).set_index("code")
    assert units.loc["5", "contact_name"] == "李明"
    assert units.loc["5", "contact_phone"] == "0871-6000001"
    assert units.loc["501", "contact_phone"] == "13900000001"
    assert units["contact_name"].isna().sum() == 9 + 18 + 3  # towns, villages, 事业单位
    changed = [["5", "云岭市", "", "党政机关", "云岭", "赵六", ""], *rows[1:]]
    summary = apply_registry(any_engine, parsed(any_engine, changed))
    assert not summary.renamed and not summary.retired
    assert summary.contacts == ["5"] and "联络人或电话变更 1 个" in summary.message()
    units = repo.load_units(any_engine).set_index("code")
    assert units.loc["5", "contact_name"] == "赵六" and pd.isna(units.loc["5", "contact_phone"])
    sheet = load_workbook(
        io.BytesIO(template.template_bytes(repo.load_units(any_engine), template_day()))
    )["周报"]
    header = [
        sheet.cell(3, c).value or sheet.cell(2, c).value for c in range(1, sheet.max_column + 1)
    ]
    reporter, phone = header.index("填报人") + 1, header.index("联系电话") + 1
    assert sheet.cell(4, reporter).value == "赵六" and sheet.cell(4, phone).value is None
    assert sheet.cell(5, reporter).value == "县联络员1"
    assert sheet.cell(5, phone).value == "13900000001"


def template_day():
    import datetime as dt

    return dt.date(2023, 10, 27)
