"""AppTest: the 设置 page shows every setting and saves changes."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard.core.settings import SETTINGS
from dashboard.store import db, repo
from tests.app.conftest import APP


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/settings.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_every_setting_has_an_input(demo_app_db: str) -> None:
    at = open_page()
    labels = {
        w.label
        for kind in ("text_input", "text_area", "number_input", "date_input", "selectbox")
        for w in at.get(kind)
    }
    for item in SETTINGS:
        assert item.label in labels, item.label
    assert at.title[0].value == "设置"


def test_save_changes_settings(demo_app_db: str) -> None:
    at = open_page()
    at.text_input(key="settings_city_name").set_value("青川")
    at.number_input(key="settings_stall_weeks").set_value(3)
    at.text_input(key="settings_level_names").set_value("市，县，乡，村")
    at.button[0].click()
    at.run()
    assert not at.exception
    assert any("已保存" in s.value for s in at.success)
    values = repo.get_settings(db.make_engine(demo_app_db))
    assert values["city_name"] == "青川" and values["stall_weeks"] == 3
    assert values["level_names"] == ["市", "县", "乡", "村"]


def test_bad_value_is_refused(demo_app_db: str) -> None:
    at = open_page()
    at.text_area(key="settings_heat_weights").set_value("{不是json")
    at.button[0].click()
    at.run()
    assert any("JSON" in e.value for e in at.error)
    values = repo.get_settings(db.make_engine(demo_app_db))
    assert values["heat_weights"]["study"] == 0.3
