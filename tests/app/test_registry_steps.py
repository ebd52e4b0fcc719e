"""AppTest: the 单位名册 page's confirmation steps (issues 16 and 12) — new categories added
with one confirmation, a big change stopped with its list of changes, another city named,
and level names asked for when the registry is deeper than the named levels."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.store import db, registry_repo, repo
from tests.app.conftest import APP
from tests.app.deep_city import city_file
from tests.registries import FIVE_LEVEL_NAMES, five_level_rows, registry_xlsx


@pytest.fixture(scope="module")
def county_db(tmp_path_factory) -> Path:
    return city_file(tmp_path_factory.mktemp("county"), "three")


@pytest.fixture
def county_url(county_db: Path, tmp_path: Path, monkeypatch) -> str:
    target = tmp_path / "app.sqlite3"
    shutil.copy(county_db, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/registry.py")
    at.run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, rows: list[list[object]], name: str = "名册.xlsx") -> None:
    at.file_uploader(key="registry_upload").set_value(
        (name, registry_xlsx(rows), "application/octet-stream")
    ).run()
    assert not at.exception, at.exception


def apply_button(at: AppTest):
    return at.button(key="registry_apply")


def test_another_city_with_new_categories_asks_once_then_imports(county_url: str) -> None:
    engine = db.make_engine(county_url)
    at = open_page()
    upload(at, five_level_rows(), "云岭市名册.xlsx")
    errors = " ".join(e.value for e in at.error)
    assert "另一个地区" in errors and "青禾县" in errors and "云岭市" in errors
    new = [d.value for d in at.dataframe if list(d.value.columns) == ["类别", "单位数"]][-1]
    assert dict(zip(new["类别"], new["单位数"], strict=True))["村民小组（网格）"] == 54
    changes = next(d.value for d in at.dataframe if "变动" in d.value.columns)
    assert (changes["变动"] == "撤销").sum() == 21 and (changes["变动"] == "新增").sum() == 88
    assert any(b.label.startswith("下载变动清单") for b in at.get("download_button"))
    button = apply_button(at)
    assert button.disabled and "新类别" in button.label
    at.checkbox(key="registry_accept_big").check().run()
    assert not apply_button(at).disabled
    apply_button(at).click().run()
    assert not at.exception, at.exception
    assert any("新增 88 个" in s.value and "村民小组（网格）" in s.value for s in at.success)
    assert len(repo.load_units(engine)) == 88
    assert "村民小组（网格）" in registry_repo.load_categories(engine)
    # five levels, three names: the page asks for the other two
    assert any("名册共 5 级" in w.value for w in at.warning)
    for level, name in enumerate(FIVE_LEVEL_NAMES, start=1):
        at.text_input(key=f"registry_levels_{level}").set_value(name)
    next(b for b in at.button if b.label == "保存层级名称").click().run()
    assert repo.get_settings(engine)["level_names"] == FIVE_LEVEL_NAMES
    assert not any("名册共 5 级" in w.value for w in at.warning)


def test_small_edit_goes_straight_through(county_url: str) -> None:
    from tests.registries import three_level_rows

    rows = three_level_rows()
    rows[1] = [rows[1][0], "青禾县第1乡（更名）", *rows[1][2:]]
    at = open_page()
    upload(at, rows)
    assert not at.error
    assert any("更名 1 个" in i.value for i in at.info)
    button = apply_button(at)
    assert button.label == "确认导入名册" and not button.disabled
    button.click().run()
    assert any("更名 1 个" in s.value for s in at.success)
