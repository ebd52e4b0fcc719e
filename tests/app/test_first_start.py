"""AppTest: the first start (own campaign or demo), the demo banner, the guided steps and
新建活动 / 清空数据."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dashboard.navigation import page_files
from dashboard.store import db, repo, reset
from tests.app.conftest import APP


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def banner(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "演示" in w.value]


def test_first_start_offers_the_choice(first_start: tuple[str, str]) -> None:
    at = start()
    assert at.title[0].value == "开始使用"
    labels = [b.label for b in at.button]
    assert "开始新活动" in labels and "打开演示" in labels
    assert not banner(at)
    office, _demo = first_start
    assert repo.unit_count(db.make_engine(office)) == 0, "an empty database stays empty"


def test_demo_has_a_banner_on_every_page_and_a_way_back(first_start: tuple[str, str]) -> None:
    office, demo = first_start
    at = start()
    at.button(key="start_open_demo").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    for page in page_files():
        at.switch_page(f"app_pages/{page}")
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert any("演示模式" in text for text in banner(at)), page
        assert any("青川市" in m.value for m in at.sidebar.markdown), page
    assert repo.unit_count(db.make_engine(office)) == 0, "the demo never enters the office's db"
    assert repo.unit_count(db.make_engine(demo)) > 1000
    at.button(key="demo_banner_close").click()
    at.run()
    assert not banner(at)
    assert "打开演示" in [b.label for b in at.button], "back on the office's first start"


def test_new_campaign_walks_through_the_steps(first_start: tuple[str, str]) -> None:
    office, _demo = first_start
    at = start()
    at.button(key="start_choose_own").click()
    at.run()
    headings = [s.value for s in at.subheader]
    assert headings[:2] == ["第 1 步：活动名称和起止日期", "第 2 步：导入单位名册"]
    at.text_input(key="settings_start__campaign_name").set_value("某市主题教育")
    at.text_input(key="settings_start__city_name").set_value("某市")
    at.button[0].click()  # the step's form button
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    values = repo.get_settings(db.make_engine(office))
    assert values["campaign_name"] == "某市主题教育" and values["city_name"] == "某市"
    assert any("下一步：导入单位名册" in s.value for s in at.success)
    downloads = [d.label for d in at.get("download_button")]
    assert "下载空白单位名册模板" in downloads
    assert any("下一步" in c.value for c in at.caption)


def test_clear_data_names_what_goes_and_takes_a_backup(demo_app_db: str) -> None:
    """An office database that holds the demo (as older installs did) is flagged, and 清空
    names the counts, backs the database up, then empties it."""
    engine = db.make_engine(demo_app_db)
    before = reset.counts(engine)
    at = start()
    assert any("演示数据" in text for text in banner(at)), "the demo in the office db is flagged"
    at.switch_page("app_pages/start.py")
    at.run()
    warning = next(w.value for w in at.warning if w.value.startswith("将删除"))
    assert f"{before.units:,} 个单位" in warning and f"导入记录 {before.imports:,} 条" in warning
    assert f"周报数字 {before.figures:,} 行" in warning
    at.button(key="reset_run").click()  # not confirmed yet
    at.run()
    assert any("清空" in e.value for e in at.error)
    assert repo.unit_count(engine) == before.units
    at.text_input(key="reset_confirm_text").set_value("清空")
    at.button(key="reset_run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert reset.counts(engine).is_empty()
    message = next(s.value for s in at.success if s.value.startswith("已清空"))
    backups = list((Path(engine.url.database or "").parent / "backups").glob("*.sqlite3"))
    assert len(backups) == 1 and str(backups[0]) in message
    with sqlite3.connect(backups[0]) as copy:
        assert copy.execute("select count(*) from units").fetchone()[0] == before.units
    assert "已修改的设置" in warning, "the demo's own settings go too"
    assert "打开演示" in [b.label for b in at.button], "an empty database offers the first start"


def test_empty_registry_template_reads_back(first_start: tuple[str, str]) -> None:
    from dashboard.export import registry_template
    from dashboard.ingest.registry_file import parse_registry

    content = registry_template.template_bytes("=HYPERLINK(1)")
    book = load_workbook(io.BytesIO(content))
    sheet = book[registry_template.SHEET_NAME]
    assert str(sheet["A1"].value).startswith("'=HYPERLINK"), "text never becomes a formula"
    assert [c.value for c in sheet[2]] == [
        "单位编码",
        "单位名称",
        "上级单位编码",
        "类别",
        "别名",
        "联络人",
        "联系电话",
    ]
    assert sheet.max_row == 2 or all(c.value is None for c in sheet[3]), "no example rows"
    sheet.append(["01", "某市", None, "党政机关", None])
    sheet.append(["0101", "某县", "01", "党政机关", "某县县委"])
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = parse_registry("名册.xlsx", buffer.getvalue())
    assert parsed.ok, parsed.problems
    assert list(parsed.frame["code"]) == ["01", "0101"]
