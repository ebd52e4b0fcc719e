"""AppTest: what the upload page refuses before checking, and an earlier version made current."""

from __future__ import annotations

from sqlalchemy import func, select

from dashboard.store import db, repo
from dashboard.store.schema import blobs, imports
from tests.app.test_upload_page import XLSX, demo_return, open_page


def _count(url: str, table) -> int:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        value = conn.execute(select(func.count()).select_from(table)).scalar_one()
    engine.dispose()
    return value


PAGE = b"<!doctype html><html><body><img src='http://evil.example/x.png'></body></html>"


def test_another_extension_posted_past_the_picker_gets_a_chinese_answer(demo_app_db: str) -> None:
    before = (_count(demo_app_db, imports), _count(demo_app_db, blobs))
    at = open_page()
    at.file_uploader(key="upload_files").set_value([("页面.html", PAGE, "text/html")]).run()
    assert not at.exception, at.exception
    assert any("页面.html" in e.value and "只接受" in e.value for e in at.error)
    assert (_count(demo_app_db, imports), _count(demo_app_db, blobs)) == before


def test_bytes_that_are_no_workbook_are_refused_unchecked_and_unarchived(demo_app_db: str) -> None:
    before = (_count(demo_app_db, imports), _count(demo_app_db, blobs))
    at = open_page()
    at.file_uploader(key="upload_files").set_value(
        [("伪装.xlsx", PAGE, XLSX), ("程序.xls", b"MZ\x90\x00\x00\x00\x00\x00" * 64, XLSX)]
    ).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any("伪装.xlsx" in e and "网页" in e for e in errors), errors
    assert any("程序.xls" in e and "未存档" in e for e in errors), errors
    assert not at.get("metric")  # nothing was checked
    assert (_count(demo_app_db, imports), _count(demo_app_db, blobs)) == before


def test_earlier_version_after_a_correction_is_named_and_can_be_made_current(
    demo_app_db: str,
) -> None:
    first = demo_return(demo_app_db)
    at = open_page()
    at.file_uploader(key="upload_files").set_value([("原始.xlsx", first, XLSX)]).run()
    at.button(key="upload_confirm").click().run()
    engine = db.make_engine(demo_app_db)
    original = repo.load_figures(engine)
    day = original["report_date"].max()
    # a correction of the same week: one figure higher
    corrected = demo_return(demo_app_db)  # built on the now-latest week: figures + 1 again
    at = open_page()
    at.file_uploader(key="upload_files").set_value([("更正.xlsx", corrected, XLSX)]).run()
    at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    # the original again: same bytes, already imported, but no longer current
    at = open_page()
    at.file_uploader(key="upload_files").set_value([("原始.xlsx", first, XLSX)]).run()
    # already imported: named as the earlier version at once, no 确认入库 offered again
    assert not [b for b in at.button if b.key == "upload_confirm"]
    assert any("早先的版本" in w.value for w in at.warning)
    reinstate = [b for b in at.button if b.label.startswith("以此文件为准")]
    assert len(reinstate) == 1
    reinstate[0].click().run()
    assert not at.exception, at.exception
    now = repo.load_figures(engine)
    engine.dispose()
    mine = now[now["report_date"] == day].set_index("unit_code")["problems_found"]
    was = original[original["report_date"] == day].set_index("unit_code")["problems_found"]
    assert mine.equals(was)


def test_files_all_rejected_are_archived_without_a_confirm(demo_app_db: str) -> None:
    before = _count(demo_app_db, imports)
    at = open_page()
    at.file_uploader(key="upload_files").set_value([("坏.xlsx", b"not a workbook", XLSX)]).run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "upload_confirm"]
    assert any("已存档" in w.value for w in at.warning)
    assert _count(demo_app_db, imports) == before + 1
    at.run()  # a rerun archives nothing twice
    assert _count(demo_app_db, imports) == before + 1
