"""AppTest: 设置 → 单位类别 (issue 16): add, order, rename and merge; units go along."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard.core.settings import DEFAULT_CATEGORIES
from dashboard.store import db, registry_repo, repo
from tests.app.conftest import APP


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page("app_pages/settings.py")
    at.run()
    assert not at.exception, at.exception
    return at


def submit(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, at.exception


def test_list_shows_counts_and_saves_order_and_additions(demo_app_db: str) -> None:
    engine = db.make_engine(demo_app_db)
    at = open_page()
    table = next(d.value for d in at.dataframe if "单位数" in d.value.columns)
    assert list(table["类别"]) == list(DEFAULT_CATEGORIES)
    assert table.set_index("类别").loc["村（社区）", "单位数"] > 100
    wanted = ["村（社区）", *[c for c in DEFAULT_CATEGORIES if c != "村（社区）"], "社会组织"]
    at.text_area(key="categories_order_text").set_value("\n".join(wanted))
    submit(at, "保存类别清单")
    assert any("已保存" in s.value for s in at.success)
    assert registry_repo.load_categories(engine) == wanted
    # dropping a category that has units is refused, with what to do
    at.text_area(key="categories_order_text").set_value("\n".join(wanted[1:]))
    submit(at, "保存类别清单")
    assert any("还有单位" in e.value and "合并" in e.value for e in at.error)
    assert registry_repo.load_categories(engine) == wanted


def test_rename_and_merge_carry_the_units(demo_app_db: str) -> None:
    engine = db.make_engine(demo_app_db)
    before = repo.load_units(engine, include_retired=True)["category"].value_counts()
    at = open_page()
    at.selectbox(key="categories_rename_old").set_value("两新组织")
    at.text_input(key="categories_rename_new").set_value("非公企业和社会组织")
    submit(at, "改名或合并")
    assert any("改名为" in s.value for s in at.success)
    after = repo.load_units(engine, include_retired=True)["category"].value_counts()
    assert after["非公企业和社会组织"] == before["两新组织"] and "两新组织" not in after
    at.selectbox(key="categories_rename_old").set_value("医院")
    at.text_input(key="categories_rename_new").set_value("党政机关")
    submit(at, "改名或合并")
    assert any("合并到" in s.value for s in at.success)
    after = repo.load_units(engine, include_retired=True)["category"].value_counts()
    assert after["党政机关"] == before["党政机关"] + before["医院"]
    listed = registry_repo.load_categories(engine)
    assert "医院" not in listed and listed[-1] == "非公企业和社会组织"
    # the board still draws with the new categories
    at.switch_page("app_pages/ranking.py")
    at.run()
    assert not at.exception, at.exception
