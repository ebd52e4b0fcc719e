"""A real browser: a county liaison enters its units' figures and submits; the office returns
one unit with a reason; the liaison sees the reason, fixes and resubmits; the office's review
grid and the board show the figures."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dashboard.auth import accounts
from dashboard.core import periods
from dashboard.entry import entries, tasks
from dashboard.store import db, repo, returns_repo
from tests.e2e.conftest import _serve, wait_for_app
from tests.entry.helpers import add_units

pytestmark = pytest.mark.e2e
PASSWORD = "e2e-password-1"
SHOTS = Path(os.environ.get("E2E_SHOTS", "/tmp"))
DATABASE: list[str] = []


@pytest.fixture(scope="module")
def fill_url(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("fill")
    url = f"sqlite:///{folder / 'fill.sqlite3'}"
    DATABASE.append(url)
    engine = db.connect(url)
    add_units(engine)
    values = repo.get_settings(engine)
    day = tasks.current_report_date(values)
    repo.set_settings(
        engine,
        {
            "start_date": (day - dt.timedelta(days=60)).isoformat(),
            "end_date": (day + dt.timedelta(days=60)).isoformat(),
        },
    )
    last = day - dt.timedelta(days=7)
    returns_repo.save_upload(  # last week's figures, shown beside each cell
        engine,
        file_name="上周.xlsx",
        content=b"last-week",
        status="imported",
        report_date=last,
        rows=[
            {
                "unit_code": c,
                "report_date": last,
                "figures": {"reading_classes": 1, "deeds_done": 4},
                "sheet": "Sheet1",
                "row": i + 3,
            }
            for i, c in enumerate(["1", "101", "10101", "10102", "102", "10201", "10202"])
        ],
    )
    now = dt.datetime.now(dt.UTC)
    tasks.open_task(
        engine, day, opens_at=now - dt.timedelta(hours=1), deadline=now + dt.timedelta(days=2)
    )
    assert periods.report_day_for(day, int(values["report_weekday"])) == day
    accounts.add_user(engine, "office", "office", PASSWORD)
    accounts.add_user(engine, "jia", "liaison", PASSWORD, "101")
    engine.dispose()
    with _serve({"DATABASE_URL": url}, folder / "streamlit.log") as base:
        yield base


def _sign_in(page, base: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(base + "/")
    page.wait_for_selector("#name")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    wait_for_app(page)
    page.get_by_text(f"当前用户：{name}").wait_for(timeout=60_000)


def _open(page, base: str, path: str, title: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/{path}")
    wait_for_app(page)
    page.get_by_role("heading", name=title).wait_for(timeout=60_000)
    wait_for_app(page)


def _grid(page):  # type: ignore[no-untyped-def]
    grid = page.locator('[data-testid="stDataFrameResizable"]').first
    grid.locator("canvas").first.wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    return grid


def _select(page, row: int, column: int) -> None:  # type: ignore[no-untyped-def]
    """Select a cell with the mouse on the row's unit name, then the arrow keys."""
    wait_for_app(page)
    box = _grid(page).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 40, box["y"] + 35 + 35 * row + 17)  # the unit's name cell
    page.wait_for_timeout(300)  # the grid takes focus and selects the cell
    for _ in range(column):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(100)


def _type_cell(page, row: int, column: int, value: str, unsaved: int) -> None:  # type: ignore[no-untyped-def]
    """Type one value with the keyboard (Enter opens the cell's editor, Enter commits) and
    wait for the page to count ``unsaved`` units with unsaved changes, as a user sees the
    edit taken. A cell not taken (a click or a keystroke lost while the page redraws) is
    typed again, at most four times."""
    counted = page.get_by_text(f"有未保存的修改：{unsaved} 个单位")
    for _attempt in range(4):
        _select(page, row, column)
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)
        page.keyboard.type(value)
        page.keyboard.press("Enter")
        try:
            counted.wait_for(timeout=15_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        wait_for_app(page)
        return
    page.screenshot(path=str(SHOTS / "fill_cell_not_taken.png"), full_page=True)
    raise AssertionError(f"row {row}: the grid did not take {value!r} in four tries")


def _drafts() -> dict[str, object]:
    engine = db.make_engine(DATABASE[0])
    try:
        task_id = int(tasks.list_tasks(engine)["id"].iloc[0])
        return {
            c: e.figures.get("reading_classes")
            for c, e in entries.load_entries(engine, task_id).items()
        }
    finally:
        engine.dispose()


def _enter(page, first_row: int, values: list[str], codes: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Type the values down the 读书班期数 column, save them as a draft and check that the
    saved draft holds exactly what was typed, in the right units."""
    for k, value in enumerate(values):
        _type_cell(page, first_row + k, 2, value, unsaved=k + 1)
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_text("已保存草稿").wait_for(timeout=60_000)
    wait_for_app(page)
    saved = _drafts()
    assert {c: saved.get(c) for c in codes} == {
        c: int(v) for c, v in zip(codes, values, strict=True)
    }, saved


def _choose(page, combo, name: str) -> None:  # type: ignore[no-untyped-def]
    """Pick ``name`` in a select box: a click on its input opens the list, but not always
    on the first try (seen here: focused, still closed), so ArrowDown opens it then."""
    option = page.get_by_role("option", name=name, exact=True)
    for _attempt in range(3):
        combo.click()
        for key in ("", "ArrowDown"):
            if key:
                page.keyboard.press(key)
            try:
                option.wait_for(timeout=3_000)
            except PlaywrightTimeout:
                continue
            option.click()
            if combo.input_value() == name:
                wait_for_app(page)
                return
        page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {name!r}: the list did not open")


def _main_text(page) -> str:  # type: ignore[no-untyped-def]
    wait_for_app(page)
    return str(page.locator('[data-testid="stMain"]').inner_text())


def test_enter_submit_return_resubmit(page, fill_url: str) -> None:  # type: ignore[no-untyped-def]
    # the county liaison enters its three units; the third is lower than last week
    _sign_in(page, fill_url, "jia")
    _open(page, fill_url, "fill", "在线填报")
    _enter(page, 0, ["6", "2", "0"], ["101", "10101", "10102"])
    page.get_by_text("是否误填了本周新增数？").first.wait_for(timeout=60_000)
    page.screenshot(path=str(SHOTS / "fill_warning.png"), full_page=True)
    page.get_by_text("我已核对以上提醒，确认无误后提交").click()
    page.wait_for_timeout(500)
    wait_for_app(page)
    page.get_by_role("button", name="提交").click()
    page.get_by_text("已提交 3 个单位").wait_for(timeout=60_000)
    assert "是否误填了本周新增数？" not in _main_text(page)  # submitted: nothing left to check

    # the office sees the batch and returns one unit with a reason
    _sign_in(page, fill_url, "office")
    _open(page, fill_url, "review", "填报审核")
    page.get_by_text("应报单位").wait_for(timeout=60_000)
    form = page.locator('[data-testid="stForm"]')
    unit = form.get_by_role("combobox", name="退回单位")
    _choose(page, unit, "甲县一镇")
    form.get_by_label("退回原因（必填）").fill("读书班期数偏低，请核对后重报")
    form.get_by_role("button", name="退回").click()
    page.get_by_text("已退回“甲县一镇”").wait_for(timeout=60_000)
    page.screenshot(path=str(SHOTS / "review_returned.png"), full_page=True)

    # the liaison sees the reason on its page, fixes and resubmits
    _sign_in(page, fill_url, "jia")
    _open(page, fill_url, "fill", "在线填报")
    page.get_by_text("读书班期数偏低，请核对后重报").wait_for(timeout=60_000)
    _grid(page)
    page.screenshot(path=str(SHOTS / "fill_returned.png"), full_page=True)
    _enter(page, 1, ["4"], ["10101"])
    page.get_by_role("button", name="提交").click()
    page.get_by_text("已提交 1 个单位").wait_for(timeout=60_000)

    # the office's grid: all three submitted, none returned; the board shows the figures
    _sign_in(page, fill_url, "office")
    _open(page, fill_url, "review", "填报审核")
    page.get_by_text("应报单位").wait_for(timeout=60_000)
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert metrics[:3] == ["7", "3", "0"], metrics
    page.screenshot(path=str(SHOTS / "review_grid.png"), full_page=True)
    _open(page, fill_url, "coverage", "报送情况")
    page.get_by_text("按时报送率").first.wait_for(timeout=60_000)
    text = _main_text(page)
    assert "按时报送率" in text and "42.9%" in text, text[:400]
    assert re.search(r"已报单位\s+3\s", text), text[:400]
    engine = db.make_engine(DATABASE[0])
    board = repo.load_figures(engine).set_index(["unit_code", "report_date"]).sort_index()
    engine.dispose()
    week = board.xs(board.index.get_level_values(1).max(), level=1)
    assert list(week["reading_classes"]) == [6, 4, 0]  # 甲县, 甲县一镇 (resubmitted), 甲县二镇
