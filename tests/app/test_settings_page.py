"""AppTest: the 设置 page draws every setting as a Chinese form and saves changes."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.auth import audit
from dashboard.core import settings as settings_def
from dashboard.core.settings import SETTINGS
from dashboard.store import db, repo
from dashboard.ui import session, setting_widgets
from tests.app.conftest import APP

INPUT_KINDS = (
    "text_input",
    "text_area",
    "number_input",
    "date_input",
    "selectbox",
    "slider",
    "checkbox",
)


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/settings.py")
    at.run()
    assert not at.exception, at.exception
    return at


def save(at: AppTest) -> None:
    next(b for b in at.button if b.label == "保存设置").click()
    at.run()
    assert not at.exception, at.exception


def shown_text(at: AppTest) -> list[str]:
    texts = [w.label for kind in INPUT_KINDS for w in at.get(kind)]
    texts += [m.value for m in at.markdown] + [c.value for c in at.caption]
    return texts


def test_every_setting_has_a_chinese_form(demo_app_db: str) -> None:
    at = open_page()
    texts = shown_text(at)
    for item in SETTINGS:
        assert any(item.label in t for t in texts), item.label
    assert at.title[0].value == "设置"
    # no raw JSON, no English option codes
    raw = [t.key for t in at.text_area if str(t.key).startswith("settings_")]
    assert not raw, f"no setting is edited as raw JSON: {raw}"
    for widget in [w for kind in INPUT_KINDS for w in at.get(kind)]:
        for code in ("study", "survey", "rectify", "activity", "coverage", "totals", "lagging"):
            assert code not in str(widget.label) and code not in str(getattr(widget, "value", ""))
    assert [s.label for s in at.slider if s.key.startswith("settings_heat_weights_")] == [
        "理论学习",
        "调查研究",
        "检视整改",
        "活跃度",
        "任务完成",
    ]
    assert [c.label for c in at.checkbox if c.key.startswith("settings_briefing_sections_")] == [
        "报送情况",
        "主要指标",
        "层级传导",
        "落后单位",
        "图表",
    ]
    assert at.selectbox(key="settings_report_weekday").value == 5
    assert at.selectbox(key="settings_report_weekday").format_func(5) == "周五"


def test_weight_slider_and_briefing_checkbox_are_saved(demo_app_db: str) -> None:
    at = open_page()
    at.text_input(key="settings_city_name").set_value("青川")
    at.number_input(key="settings_stall_weeks").set_value(3)
    at.slider(key="settings_heat_weights_survey").set_value(0.5)
    at.checkbox(key="settings_briefing_sections_charts").uncheck()
    at.slider(key="settings_bottom_share").set_value(40.0)
    save(at)
    assert any("已保存" in s.value for s in at.success)
    values = repo.get_settings(db.make_engine(demo_app_db))
    assert values["city_name"] == "青川" and values["stall_weeks"] == 3
    assert values["heat_weights"] == {
        "study": 0.3,
        "survey": 0.5,
        "rectify": 0.3,
        "activity": 0.15,
        "targets": 0.2,
    }
    assert values["briefing_sections"] == ["coverage", "totals", "gradient", "lagging"]
    assert values["bottom_share"] == 0.4


def test_a_share_between_slider_steps_is_kept(demo_app_db: str) -> None:
    repo.set_settings(db.make_engine(demo_app_db), {"bottom_share": 0.125})
    at = open_page()
    assert at.slider(key="settings_bottom_share").value == 12.5
    save(at)
    assert repo.get_settings(db.make_engine(demo_app_db))["bottom_share"] == 0.125


def test_inconsistent_values_are_refused(demo_app_db: str) -> None:
    at = open_page()
    at.slider(key="settings_rank_green").set_value(30.0)  # below 黄色阈值 40
    for code in ("study", "survey", "rectify", "activity", "targets"):
        at.slider(key=f"settings_heat_weights_{code}").set_value(0.0)
    save(at)
    errors = " ".join(e.value for e in at.error)
    assert "绿色阈值低于黄色阈值" in errors and "权重全部为 0" in errors
    values = repo.get_settings(db.make_engine(demo_app_db))
    assert values["rank_green"] == 60.0 and values["heat_weights"]["study"] == 0.3


def test_list_and_mapping_tables_read_back() -> None:
    edited = pd.DataFrame({"内容": ["市", None, " 县 ", "", "乡"]})
    assert setting_widgets.list_from_table(edited) == ["市", "县", "乡"]
    table = pd.DataFrame({"项目": ["甲", "", "乙"], "值": ["1.5", "x", "文字"]})
    assert setting_widgets.mapping_from_table(table) == {"甲": 1.5, "乙": "文字"}


def test_targets_table_reads_back() -> None:
    table = pd.DataFrame(
        {"读书班期数（期）": [1.0, None], "检视问题数（个）": [None, None]},
        index=pd.Index(["村级", "乡镇级"], name="层级"),
    )
    codes = {"读书班期数（期）": "reading_classes", "检视问题数（个）": "problems_found"}
    assert setting_widgets.targets_from_table(table, codes) == {"村级": {"reading_classes": 1.0}}


def test_every_kind_has_a_widget() -> None:
    """A setting added to the declaration with any kind gets a widget without editing the page."""
    kinds = set(settings_def.Kind.__args__)  # type: ignore[attr-defined]
    assert kinds <= set(setting_widgets.DRAWERS)


def test_cli_texts_for_the_new_kinds() -> None:
    assert settings_def.parse_value("report_weekday", "4") == 4
    assert settings_def.parse_value("bottom_share", "40%") == 0.4
    assert settings_def.parse_value("briefing_sections", "图表，报送情况") == ["coverage", "charts"]
    assert settings_def.parse_value("heat_weights", "理论学习=0.5，调查研究=0.5") == {
        "study": 0.5,
        "survey": 0.5,
        "rectify": 0.0,
        "activity": 0.0,
        "targets": 0.0,
    }
    for key, text in (
        ("report_weekday", "8"),
        ("bottom_share", "150%"),
        ("rank_green", "120"),
        ("briefing_sections", "coverage，别的"),
        ("heat_weights", "理论学习=-1"),
    ):
        try:
            settings_def.parse_value(key, text)
        except settings_def.SettingError as exc:
            assert settings_def.setting(key).label in str(exc)
        else:
            raise AssertionError((key, text))


def test_session_limits_are_admin_settings_checked_and_audited(demo_app_db: str) -> None:
    at = open_page()
    assert any(h.value == settings_def.ACCESS for h in at.subheader)
    at.number_input(key="settings_session_idle_minutes").set_value(1)
    save(at)
    assert any("5 到 1440" in e.value for e in at.error)
    engine = db.make_engine(demo_app_db)
    assert repo.get_settings(engine)["session_idle_minutes"] == 120
    at.number_input(key="settings_session_idle_minutes").set_value(30)
    at.number_input(key="settings_session_max_hours").set_value(8)
    save(at)
    values = repo.get_settings(engine)
    assert (values["session_idle_minutes"], values["session_max_hours"]) == (30, 8)
    log = audit.entries(engine)
    changed = log[log["action"] == "settings"].iloc[0]
    assert changed["user_name"] == session.LOCAL_ACTOR
    assert "session_idle_minutes" in changed["detail"]["changed"]
