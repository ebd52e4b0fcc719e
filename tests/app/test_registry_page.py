"""AppTest: the 单位名册 page with the demo city, an upload, and the template button."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from dashboard import demo
from tests.app.conftest import APP
from tests.core.test_registry import GOOD, workbook


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page("app_pages/registry.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_counts_table_and_treemap(demo_app_db: str) -> None:
    at = open_page()
    assert at.title[0].value == "单位名册"
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["在册单位"].replace(",", "")) > 1000
    frames = [d.value for d in at.dataframe]
    levels = frames[0]
    assert list(levels["层级"]) == ["市级", "县级", "乡镇级", "村级"]
    assert "村（社区）" in set(frames[1]["类别"])
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["data"][0]["type"] == "treemap"
    assert len(chart["data"][0]["ids"]) > 1000
    assert "单位名册结构" in chart["layout"]["title"]["text"]


def test_search_filters_the_table(demo_app_db: str) -> None:
    at = open_page()
    at.text_input(key="registry_search").set_value(demo.COLD_COUNTY_CODE).run()
    table = at.dataframe[2].value
    assert len(table) > 50
    assert table["单位编码"].str.contains(demo.COLD_COUNTY_CODE).all()


def test_upload_with_errors_shows_problem_table(demo_app_db: str) -> None:
    at = open_page()
    bad = workbook([*GOOD, ["0101", "重复", "01", "", ""]])
    at.file_uploader(key="registry_upload").set_value(
        ("名册.xlsx", bad, "application/octet-stream")
    ).run()
    assert not at.exception
    assert any("未导入" in e.value for e in at.error)
    problems = at.dataframe[-1].value
    assert set(problems["列"]) == {"单位编码", "类别"}


def test_template_button_offers_a_download(demo_app_db: str) -> None:
    at = open_page()
    at.selectbox(key="registry_template_scope").set_value(demo.COLD_COUNTY_CODE)
    at.button(key="registry_template_make").click().run()
    assert not at.exception
    assert at.get("download_button")


def test_upload_edited_registry_and_apply(demo_app_db: str) -> None:
    import io

    from openpyxl import load_workbook

    book = load_workbook(demo.DEMO_DIR / demo.REGISTRY_FILE)
    sheet = book.active
    sheet.cell(4, 2).value = "青湖区（更名）"
    buffer = io.BytesIO()
    book.save(buffer)
    at = open_page()
    at.file_uploader(key="registry_upload").set_value(
        ("名册.xlsx", buffer.getvalue(), "application/octet-stream")
    ).run()
    assert any("更名 1 个" in i.value for i in at.info)
    at.button(key="registry_apply").click().run()
    assert not at.exception
    assert any("更名 1 个" in s.value for s in at.success)
    at.text_input(key="registry_search").set_value("更名").run()
    assert list(at.dataframe[2].value["单位名称"]) == ["青湖区（更名）"]
