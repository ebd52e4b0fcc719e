"""AppTest: 导入记录 lists the demo imports, offers the originals, undoes one after confirming."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dashboard.ingest import pipeline
from dashboard.store import db, repo, returns_repo
from tests.app.conftest import APP


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/imports.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_lists_imports_with_chinese_status(demo_app_db: str) -> None:
    at = open_page()
    assert at.title[0].value == "导入记录"
    table = at.dataframe[0].value
    assert list(table.columns) == [
        "编号", "文件", "上传时间", "上传人", "状态", "统计截止日", "入库行数", "问题数",
    ]  # fmt: skip
    assert len(table) == 8 and set(table["状态"]) == {"已入库"}
    assert table["文件"].iloc[0] == "周报_2023-11-03.xlsx"
    assert len(at.get("download_button")) == 1


def test_undo_needs_confirmation_and_restores(demo_app_db: str) -> None:
    engine = db.make_engine(demo_app_db)
    latest = returns_repo.list_imports(engine).iloc[0]
    dates_before = repo.report_dates(engine)
    at = open_page()
    assert at.selectbox(key="imports_selected").value == int(latest["id"])
    assert at.button(key="imports_undo").disabled
    at.checkbox(key="imports_confirm").check().run()
    at.button(key="imports_undo").click().run()
    assert not at.exception, at.exception
    assert any("已撤销" in s.value for s in at.success)
    assert at.dataframe[0].value["状态"].iloc[0] == "已撤销"
    assert repo.report_dates(engine) == dates_before[:-1]  # that week's figures withdrawn
    assert returns_repo.list_imports(engine).iloc[0]["status"] == "undone"
    engine.dispose()


def test_empty_log(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    engine = db.connect(url)
    from sqlalchemy import insert

    from dashboard.store.schema import units

    with engine.begin() as conn:  # one unit, so the first start does not load the demo
        conn.execute(
            insert(units).values(code="01", name="示范市", category="党政机关", level=1, aliases="")
        )
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    at = open_page()
    assert any("尚无导入记录" in i.value for i in at.info)


def test_the_returned_table_can_be_downloaded_again(demo_app_db: str) -> None:
    from tests.app.test_upload_page import demo_return

    engine = db.make_engine(demo_app_db)
    content = demo_return(demo_app_db, broken=True)
    result = pipeline.check_file(engine, "有错.xlsx", content)
    held = pipeline.hold_back(result, {(result.accepted[0]["sheet"], result.accepted[0]["row"])})
    pipeline.store_result(engine, held, content)
    engine.dispose()
    at = open_page()
    assert at.selectbox(key="imports_selected").value == int(
        returns_repo.list_imports(db.make_engine(demo_app_db)).iloc[0]["id"]
    )
    assert [b.label for b in at.get("download_button")] == ["下载原始文件"]
    at.button[[b.label for b in at.button].index("生成退回修改表")].click().run()
    assert not at.exception, at.exception
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["下载原始文件", "下载退回修改表"]
    made = at.session_state["imports_return"][1]
    notes = load_workbook(io.BytesIO(made))["退回说明"]
    codes = [r[6] for r in notes.iter_rows(min_row=5, values_only=True)]
    assert any("暂缓入库" in str(c) for c in codes)  # the held-back row is listed again
