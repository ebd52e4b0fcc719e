"""A week's upload in a real browser: two returns and a broken one, the 退回修改表, confirm."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from dashboard.core.catalogue import INDICATORS
from dashboard.store import db, repo
from dashboard.store.schema import imports
from tests.e2e.conftest import wait_for_app


def _returns(url: str, folder: Path) -> list[Path]:
    """Two county returns for the week after the demo's last, and one with errors."""
    engine = db.make_engine(url)
    latest = repo.load_figures(engine)
    latest = latest[latest["report_date"] == latest["report_date"].max()]
    counties = repo.load_units(engine).query("level == 2").head(3)
    engine.dispose()
    paths = []
    for i, (code, name) in enumerate(zip(counties["code"], counties["name"], strict=True)):
        last = latest[latest["unit_code"] == code].iloc[0]
        values: list[object] = [int(last[ind.code]) + 1 for ind in INDICATORS]
        if i == 2:
            values[0] = "X"  # the template's placeholder left in
        book = openpyxl.Workbook()
        book.active.append([f"{name}主题教育进展统计表（截至2023年11月10日）"])
        book.active.append(["单位编码", "单位名称", *[ind.header for ind in INDICATORS]])
        book.active.append([code, name, *values])
        if i == 2:
            book.active.append(["", "不存在的单位", *[1] * 14])
        path = folder / f"{name}.xlsx"
        book.save(path)
        paths.append(path)
    return paths


def _imports(url: str) -> int:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(imports)).scalar_one()
    engine.dispose()
    return int(count)


def test_upload_two_returns_and_a_broken_one(page, app_url, demo_database, tmp_path) -> None:
    files = _returns(demo_database, tmp_path)
    before = _imports(demo_database)
    page.goto(f"{app_url}/upload")
    wait_for_app(page)
    page.get_by_text("拖入周报文件").first.wait_for(timeout=60_000)
    page.set_input_files(
        '[data-testid="stFileUploader"] input[type="file"]', [str(p) for p in files]
    )
    page.get_by_text("下载退回修改表").first.wait_for(timeout=90_000)
    wait_for_app(page)
    body = page.inner_text("body")
    assert "可入库 1 行，错误 0" in body  # the two good returns
    assert "已拒收，可入库 0 行，错误 2" in body  # every row of the third has an error

    with page.expect_download(timeout=60_000) as info:
        page.get_by_text("下载退回修改表").first.click()
    download = info.value
    assert download.suggested_filename.endswith("_退回修改表.xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = openpyxl.load_workbook(io.BytesIO(saved.read_bytes()))
    sheet = book[book.sheetnames[1]]
    assert sheet["C3"].value == "X" and "占位符" in sheet["C3"].comment.text
    assert sheet["C3"].fill.fgColor.rgb.endswith("FFC7CE")

    # the rejected file is not counted as stored, but it is archived with the others
    page.get_by_role("button", name="确认入库（2 个文件，2 行）").click()
    page.get_by_text("已入库 2 个文件、2 行").first.wait_for(timeout=90_000)
    assert "拒收 1 个文件" in page.inner_text("body")
    page.screenshot(path=str(tmp_path / "upload.png"), full_page=True)
    assert _imports(demo_database) == before + 3  # the rejected file is archived too
