"""AppTest: a county liaison uploads a return holding another county's rows — they are
refused with a reason naming its own county, and nothing on the page names a unit outside
its subtree (no suggestion, not the name of a code it wrote)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import door
from dashboard.core.catalogue import INDICATORS
from dashboard.store import db, repo
from dashboard.ui import session
from tests.app.conftest import APP
from tests.app.test_upload_page import XLSX, workbook


@pytest.fixture
def counties(demo_app_db: str):  # type: ignore[no-untyped-def]
    engine = db.make_engine(demo_app_db)
    units = repo.load_units(engine)
    engine.dispose()
    return units


def test_a_liaisons_upload_refuses_and_hides_other_counties(counties, monkeypatch) -> None:
    units = counties
    county, other = units[units["level"] == 2].iloc[0], units[units["level"] == 2].iloc[1]
    own_child = units[units["parent_code"] == county["code"]].iloc[0]
    other_child = units[units["parent_code"] == other["code"]].iloc[0]
    liaison = door.Viewer("联络员甲", "liaison", str(county["code"]))
    monkeypatch.setattr(session, "current_viewer", lambda: liaison)
    near_miss = other_child["name"][:-1] + "某"  # one character off another county's unit
    figures = [1] * len(INDICATORS)
    rows: list[list[object]] = [
        ["主题教育进展统计表（截至2023年11月10日）"],
        ["单位编码", "单位名称", *[ind.header for ind in INDICATORS]],
        [own_child["code"], own_child["name"], *figures],
        [other["code"], None, *figures],  # another county, by its code only
        [None, near_miss, *figures],
        [county["code"], county["name"], *figures],
    ]
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/upload.py")
    at.run()
    at.file_uploader(key="upload_files").set_value([("本县.xlsx", workbook(rows), XLSX)]).run()
    assert not at.exception, at.exception
    shown = "\n".join(
        [t.value.to_string() for t in at.table]
        + [e.label for e in at.expander]
        + [m.value for m in (*at.markdown, *at.error, *at.warning, *at.info, *at.caption)]
    )
    assert f"您管辖的“{county['name']}”" in shown and "未入库" in shown
    assert other_child["name"] not in shown  # the near miss is not answered with the name
    assert str(other["name"]) not in shown and str(other["code"]) in shown  # as written
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["待入库行数"] == "2"  # the own township, and the own county by its code
