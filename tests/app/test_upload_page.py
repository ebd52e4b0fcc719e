"""AppTest: 上传周报 with the demo city — several files, problems, 退回修改表, confirm."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from dashboard.core.catalogue import INDICATORS
from dashboard.demo import DEMO_DIR
from dashboard.store import db, repo, returns_repo
from dashboard.store.schema import figures, imports
from tests.app.conftest import APP

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def demo_return(url: str, *, broken: bool = False) -> bytes:
    """Two demo counties, a week after the demo's last one, figures above their last week."""
    engine = db.make_engine(url)
    latest = repo.load_figures(engine)
    latest = latest[latest["report_date"] == latest["report_date"].max()]
    units = repo.load_units(engine)
    engine.dispose()
    counties = units[units["level"] == 2].head(2)
    rows: list[list[object]] = [
        ["主题教育进展统计表（截至2023年11月10日）"],
        ["单位编码", "单位名称", *[ind.header for ind in INDICATORS]],
    ]
    for code, name in zip(counties["code"], counties["name"], strict=True):
        last = latest[latest["unit_code"] == code].iloc[0]
        rows.append([code, name, *[int(last[ind.code]) + 1 for ind in INDICATORS]])
    if broken:
        rows[2][2] = "X"
        rows.append(["9999", "不存在的单位", *[1] * 14])
    return workbook(rows)


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/upload.py")
    at.run()
    assert not at.exception, at.exception
    return at


def count(url: str, table) -> int:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        value = conn.execute(select(func.count()).select_from(table)).scalar_one()
    engine.dispose()
    return value


def test_page_without_files(demo_app_db: str) -> None:
    at = open_page()
    assert at.title[0].value == "上传周报"
    assert any("请先选择" in i.value for i in at.info)


def test_upload_three_files_check_confirm(demo_app_db: str) -> None:
    url = demo_app_db
    good, bad = demo_return(url), demo_return(url, broken=True)
    at = open_page()
    at.file_uploader(key="upload_files").set_value(
        [("好.xlsx", good, XLSX), ("有错.xlsx", bad, XLSX), ("坏.xlsx", b"not a workbook", XLSX)]
    ).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["文件数"] == "3"
    assert metrics["待入库行数"] == "3"  # 2 from the good file, 1 from the file with errors
    assert metrics["有错误的文件"] == "2" and metrics["被拒收的文件"] == "1"
    labels = [e.label for e in at.expander]
    assert labels[0].startswith("好.xlsx — 待确认") and "可入库 2 行" in labels[0]
    assert "错误 2" in labels[1] and labels[2].startswith("坏.xlsx — 已拒收")
    problems = [t.value for t in at.table]  # a static table: messages wrap, never cut off
    assert list(problems[0].columns) == ["工作表", "行", "单位", "列", "值", "级别", "问题"]
    assert sorted(problems[0]["值"]) == ["X", "不存在的单位"]
    assert list(problems[0]["行"]) == ["3", "5"] and set(problems[0]["级别"]) == {"错误"}
    assert list(problems[1]["工作表"]) == ["（整个文件）"]
    assert list(problems[1]["行"]) == [""]  # not "None"
    assert "None" not in problems[1].to_string()
    downloads = at.get("download_button")
    assert len(downloads) == 1  # only the readable file with errors gets a 退回修改表
    before = count(url, imports)
    at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    assert count(url, imports) == before + 3
    assert any("已入库 2 个文件、3 行" in s.value for s in at.success)
    engine = db.make_engine(url)
    stored = repo.load_figures(engine)
    engine.dispose()
    # the second file's county replaced the first file's row for the same unit and week
    assert (stored["report_date"] == "2023-11-10").sum() == 2
    assert [e.label.split("，")[0] for e in at.expander] == [
        "好.xlsx — 已入库",
        "有错.xlsx — 已入库",
        "坏.xlsx — 已拒收",
    ]
    assert not [b for b in at.button if b.key == "upload_confirm"]


def test_given_date_and_figures_count(demo_app_db: str) -> None:
    url = demo_app_db
    undated = workbook([["单位名称", "读书班期数"], ["青川市", 999]])
    at = open_page()
    at.file_uploader(key="upload_files").set_value([("无日期.xlsx", undated, XLSX)]).run()
    assert any("为没有日期的文件指定统计截止日期" in t.value.to_string() for t in at.table)
    at.checkbox(key="upload_use_date").check().run()
    at.date_input(key="upload_date").set_value("2023-11-16").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["待入库行数"] == "1"
    before = count(url, figures)
    at.button(key="upload_confirm").click().run()
    assert count(url, figures) == before + 1


def test_a_file_already_imported_is_recognised(demo_app_db: str) -> None:
    path = sorted(Path(DEMO_DIR).glob("周报_*.xlsx"))[-1]  # loaded into the demo database
    engine = db.make_engine(demo_app_db)
    with engine.connect() as conn:
        stored = returns_repo.find_active_import(conn, returns_repo.sha256_of(path.read_bytes()))
    engine.dispose()
    assert stored is not None
    at = open_page()
    at.file_uploader(key="upload_files").set_value([(path.name, path.read_bytes(), XLSX)]).run()
    assert not at.exception, at.exception
    assert any(f"#{stored}" in i.value and "不会重复入库" in i.value for i in at.info)
    # nothing new to store: no 确认入库 offering the file's rows again
    assert not [b for b in at.button if b.key == "upload_confirm"]
    assert {m.label: m.value for m in at.metric}["待入库行数"] == "0"


def test_the_same_file_twice_in_one_batch(demo_app_db: str) -> None:
    bad = demo_return(demo_app_db, broken=True)
    at = open_page()
    at.file_uploader(key="upload_files").set_value(
        [("有错.xlsx", bad, XLSX), ("有错（副本）.xlsx", bad, XLSX)]
    ).run()
    assert not at.exception, at.exception
    assert len(at.get("download_button")) == 2
    assert not at.success


def test_no_confirm_when_every_file_is_rejected(demo_app_db: str) -> None:
    at = open_page()
    at.file_uploader(key="upload_files").set_value(
        [("坏.xlsx", b"not a workbook", XLSX), ("坏2.xlsx", b"nor this", XLSX)]
    ).run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "upload_confirm"]
    assert any("没有可入库的数据" in w.value for w in at.warning)


def test_with_no_data_the_date_field_does_not_default_to_today(demo_app_db: str) -> None:
    engine = db.make_engine(demo_app_db)
    with engine.begin() as conn:
        conn.execute(figures.delete())
    engine.dispose()
    at = open_page()
    assert at.date_input(key="upload_date").value is None


def test_hold_back_a_warning_row_then_confirm(demo_app_db: str) -> None:
    url = demo_app_db
    wb = load_workbook(io.BytesIO(demo_return(url)))
    wb.active.cell(row=4, column=3, value=0)  # the second county's 读书班期数 fell: a warning
    out = io.BytesIO()
    wb.save(out)
    content = out.getvalue()
    at = open_page()
    at.file_uploader(key="upload_files").set_value([("提醒.xlsx", content, XLSX)]).run()
    assert not at.exception, at.exception
    assert at.expander[0].proto.expanded  # warnings are shown open, not collapsed
    (editor,) = at.data_editor
    listed = editor.value
    assert listed.columns[0] == "暂缓入库" and "提醒" in listed.columns
    assert int(listed["行"].iloc[0]) == 4 and "低于上周" in listed["提醒"].iloc[0]  # first
    assert listed["提醒"].iloc[1] == ""
    key = f"upload_rows_0_{hashlib.sha256(content).hexdigest()[:12]}_hold"
    at.session_state[key] = {
        "edited_rows": {0: {"暂缓入库": True}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["待入库行数"] == "1"
    assert len(at.get("download_button")) == 1  # the held row goes back in a 退回修改表
    before = count(url, figures)
    at.button(key="upload_confirm").click().run()
    assert not at.exception, at.exception
    assert count(url, figures) == before + 1
    engine = db.make_engine(url)
    log = returns_repo.list_imports(engine)
    stored = returns_repo.import_problems(engine, int(log["id"].iloc[0]))
    engine.dispose()
    assert [p["code"] for p in stored if p["code"] == "held_back"] == ["held_back"]


def test_map_an_unknown_column_once_and_it_is_remembered(demo_app_db: str) -> None:
    rows = [["主题教育进展统计表（截至2023年11月10日）"], ["单位名称", "读书班期数", "整改到位数"]]
    engine = db.make_engine(demo_app_db)
    name = repo.load_units(engine)["name"].iloc[0]
    engine.dispose()
    rows.append([name, 999, 999])
    at = open_page()
    at.file_uploader(key="upload_files").set_value([("新写法.xlsx", workbook(rows), XLSX)]).run()
    assert not at.exception, at.exception
    assert any("整改到位数" in t.value.to_string() for t in at.table)
    (choice,) = [s for s in at.selectbox if s.label == "“整改到位数”列"]
    choice.set_value("已整改销号问题数（个）")
    at.button[[b.label for b in at.button].index("记住并重新检查")].click().run()
    assert not at.exception, at.exception
    engine = db.make_engine(demo_app_db)
    assert repo.get_settings(engine)["column_wordings"] == {"整改到位数": "problems_closed"}
    engine.dispose()
    assert not any("整改到位数" in t.value.to_string() for t in at.table), [
        t.value for t in at.table
    ]
    (editor,) = at.data_editor
    assert "已整改销号问题数" in editor.value.columns


def test_rows_held_back_by_their_numbers() -> None:
    import pandas as pd

    from dashboard.ui.tables import parse_row_numbers

    rows = pd.DataFrame({"工作表": ["周报"] * 5 + ["乡镇"] * 2, "行": [3, 4, 5, 6, 7, 3, 4]})
    assert parse_row_numbers("4, 6-7，99", rows) == {("周报", 4), ("周报", 6), ("周报", 7),
                                                   ("乡镇", 4)}  # fmt: skip
    assert parse_row_numbers("乡镇：3、x", rows) == {("乡镇", 3)}
    assert parse_row_numbers("", rows) == set()
