"""A county liaison's whole journey in a real browser, then the admin's view of it:

the liaison signs in, sees and ranks only its county, downloads the Excel briefing (only its
units, never 全市), uploads a return holding another county's row and sees that row refused,
confirms its own rows and signs out; the admin signs in and finds that session's sign-in,
upload, export and sign-out in 审计日志. No Content-Security-Policy violation on the way.
"""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook

from dashboard.auth import accounts
from dashboard.core.catalogue import INDICATORS
from dashboard.store import db, repo
from tests.e2e.conftest import _serve, wait_for_app

pytestmark = pytest.mark.e2e
PASSWORD = "e2e-password-2"
SHOTS = Path(os.environ.get("E2E_SHOTS", "/tmp"))
CITY: dict[str, object] = {}


@pytest.fixture(scope="module")
def board_url(demo_database: str, tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("liaison")
    path = folder / "board.sqlite3"
    shutil.copy(demo_database.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    engine = db.connect(url)
    units = repo.load_units(engine)
    county = units.loc[units["name"] == "松桥县"].iloc[0]
    other = units.loc[(units["level"] == 2) & (units["code"] != county["code"])].iloc[0]
    CITY.update(
        county=county,
        other=other,
        township=units.loc[units["parent_code"] == county["code"]].iloc[0],
        outside=[
            str(n)
            for n in units.loc[(units["level"] == 2) & (units["code"] != county["code"]), "name"]
        ],
    )
    accounts.add_user(engine, "admin", "admin", PASSWORD)
    accounts.add_user(engine, "songqiao", "liaison", PASSWORD, str(county["code"]))
    engine.dispose()
    with _serve({"DATABASE_URL": url}, folder / "streamlit.log") as base:
        yield base


def _sign_in(page, base: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/")
    page.wait_for_selector("#name")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    wait_for_app(page)
    page.get_by_text(f"当前用户：{name}").wait_for(timeout=60_000)


def _open(page, title: str, ready: str) -> str:  # type: ignore[no-untyped-def]
    """Open a page and wait for ``ready`` (a selector) in it; the page's HTML (charts' SVG
    text included)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.locator("h1").filter(has_text=title).first.wait_for(timeout=60_000)
    page.locator(f'[data-testid="stMain"] {ready}').first.wait_for(timeout=120_000)
    wait_for_app(page)
    return page.locator('[data-testid="stMain"]').inner_html()


def _return_file() -> bytes:
    other, township = CITY["other"], CITY["township"]
    book = Workbook()
    sheet = book.active
    sheet.append(["主题教育进展统计表（截至2023年11月10日）"])
    sheet.append(["单位编码", "单位名称", *[ind.header for ind in INDICATORS]])
    sheet.append([township["code"], township["name"], *[99] * len(INDICATORS)])  # type: ignore[index]
    sheet.append([other["code"], None, *[99] * len(INDICATORS)])  # type: ignore[index]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_liaison_journey_and_the_admins_audit(page, board_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    outside = CITY["outside"]
    _sign_in(page, board_url, "songqiao")
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text().split("\n")
    assert not {"审计日志", "导入记录", "设置", "单位名册"} & set(nav) and "排名" in nav

    ranking = _open(page, "排名", '[data-testid="stPlotlyChart"]')
    assert "松桥县" in ranking or str(CITY["township"]["name"]) in ranking  # type: ignore[index]
    assert not [name for name in outside if name in ranking]
    page.screenshot(path=str(SHOTS / "liaison_ranking.png"), full_page=True)

    brief = _open(page, "简报", '[data-testid="stDownloadButton"]')
    assert "全市" not in brief and not [name for name in outside if name in brief]
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name=re.compile("Excel")).click()
    saved = tmp_path / "brief.xlsx"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as book:
        text = html.unescape(
            re.sub(
                r"<[^>]+>",
                "",
                "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml")),
            )
        )
    assert "松桥县" in text and "全市" not in text
    assert not [name for name in outside if name in text]

    _open(page, "上传周报", '[data-testid="stFileUploader"]')
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[
            {
                "name": "松桥县周报.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": _return_file(),
            }
        ]
    )
    page.get_by_text("您管辖的“松桥县”").first.wait_for(timeout=120_000)
    wait_for_app(page)
    upload_text = page.locator('[data-testid="stMain"]').inner_text()
    assert "未入库" in upload_text and str(CITY["other"]["name"]) not in upload_text  # type: ignore[index]
    page.screenshot(path=str(SHOTS / "liaison_upload_refused.png"), full_page=True)
    page.get_by_role("button", name=re.compile("确认入库")).click()
    page.get_by_text("已入库").first.wait_for(timeout=120_000)

    with page.expect_popup() as opened:
        page.get_by_role("link", name="退出登录").click()
    opened.value.wait_for_selector("#name", timeout=30_000)
    opened.value.close()

    page.context.clear_cookies()
    _sign_in(page, board_url, "admin")
    log = _open(page, "审计日志", '[data-testid="stDataFrame"]')
    page.screenshot(path=str(SHOTS / "admin_audit.png"), full_page=True)
    grid = page.locator('[data-testid="stDataFrame"]')
    grid.first.wait_for(timeout=60_000)
    assert "审计日志" in log
    # the grid is a canvas: read its rows through the page's own CSV-free accessor (aria)
    rows: list[str] = []
    for _ in range(60):  # the canvas grid fills its rows a moment after it appears
        rows = page.locator('[data-testid="stDataFrame"] [role="row"]').all_inner_texts()
        if any("songqiao" in row for row in rows):
            break
        page.wait_for_timeout(1000)
    listed = "\n".join(rows)
    (SHOTS / "audit_rows.txt").write_text(listed)
    for action in ("登录", "上传", "导出", "退出"):
        assert any("songqiao" in row and action in row for row in rows), (action, listed[:2000])
    assert not violations, violations
