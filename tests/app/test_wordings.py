"""AppTest: the remembered header wordings (表头写法对照) shown and edited on 设置."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.store import db, repo
from dashboard.ui.wordings import table_to_wordings
from tests.app.conftest import APP


def test_wordings_are_shown_edited_and_saved_on_settings(demo_app_db: str) -> None:
    engine = db.make_engine(demo_app_db)
    repo.set_settings(engine, {"column_wordings": {"整改到位数": "problems_closed", "备用": ""}})
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/settings.py")
    at.run()
    assert not at.exception, at.exception
    (editor,) = [e for e in at.data_editor if "表头写法" in e.value.columns]
    assert editor.value.to_dict("list") == {
        "表头写法": ["整改到位数", "备用"],
        "对应指标": ["已整改销号问题数（个）", "不读取此列"],
    }
    at.session_state["settings_wordings_editor"] = {
        "edited_rows": {0: {"对应指标": "检视问题数（个）"}},
        "added_rows": [{"表头写法": "办结实事数", "对应指标": "为民办实事件数（件）"}],
        "deleted_rows": [1],
    }
    at.run()
    at.button(key="settings_wordings_save").click().run()
    assert not at.exception, at.exception
    assert any("已保存 2 条" in s.value for s in at.success)
    assert repo.get_settings(engine)["column_wordings"] == {
        "整改到位数": "problems_found",
        "办结实事数": "deeds_done",
    }
    # the settings form neither shows the wordings as raw JSON nor writes them back stale
    assert not [t for t in at.text_area if "表头写法" in t.label]
    at.button[[b.label for b in at.button].index("保存设置")].click().run()
    assert not at.exception, at.exception
    assert repo.get_settings(engine)["column_wordings"]["办结实事数"] == "deeds_done"
    engine.dispose()


def test_an_edited_table_with_gaps_says_what_to_fix() -> None:
    frame = pd.DataFrame(
        {
            "表头写法": ["整改到位数", "整改 到位数", "", "无指标"],
            "对应指标": ["检视问题数（个）", "不读取此列", "不读取此列", None],
        }
    )
    wordings, problems = table_to_wordings(frame)
    assert wordings == {"整改到位数": "problems_found"}
    assert problems == [
        "“整改 到位数”与“整改到位数”是同一种写法：请只保留一行",
        "“无指标”没有选择对应指标：请选择一项，或删除这一行",
    ]
