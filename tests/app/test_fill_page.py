"""AppTest: the 在线填报 grid (rules at the cell, draft, submit, errors block) and the
填报审核 page (counts, 退回)."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import door
from dashboard.auth import audit
from dashboard.entry import entries, status, tasks, template_upload
from dashboard.store import db, repo
from dashboard.ui import fill, session
from tests.app.conftest import APP
from tests.entry.helpers import add_units


def _editor_key(at: AppTest) -> str:
    """Task 1's grid key as the page makes it now (a new one after each save or submit)."""
    held = at.session_state.get(fill.GENERATION, {})
    return f"{fill.EDITOR}_1_{held.get(1, 0)}"


@pytest.fixture
def fill_db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'fill.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEMO_DATABASE_URL", f"sqlite:///{tmp_path / 'demo-unused.sqlite3'}")
    engine = db.connect(url)
    add_units(engine)
    now = dt.datetime.now(dt.UTC)
    day = tasks.current_report_date(repo.get_settings(engine))
    tasks.open_task(
        engine, day, opens_at=now - dt.timedelta(hours=1), deadline=now + dt.timedelta(days=2)
    )
    engine.dispose()
    return url


def _open(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(f"app_pages/{page}")
    at.run()
    assert not at.exception, at.exception
    return at


def _edit(at: AppTest, rows: dict[int, dict[str, str]]) -> None:
    at.session_state[_editor_key(at)] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _texts(at: AppTest) -> str:
    return "\n".join(
        [m.value for m in at.markdown]
        + [e.value for e in at.error]
        + [w.value for w in at.warning]
        + [s.value for s in at.success]
    )


def test_grid_rules_draft_and_submit(fill_db: str) -> None:
    at = _open("fill.py")
    assert at.title[0].value == "在线填报"
    grid = at.data_editor(key=_editor_key(at)).value
    assert list(grid["单位名称"])[:2] == ["青川市", "甲县"]
    assert "为民办实事件数（上周）" in grid.columns
    # rules at the cell: closed > found is an error naming the indicator; X is a placeholder
    _edit(at, {1: {"检视问题数": "3", "已整改销号问题数": "5", "为民办实事件数": "X"}})
    text = _texts(at)
    assert "2 处错误" in text and "已整改销号问题数" in text and "占位符" in text
    assert "甲县 · 已整改销号问题数" in text
    # errors block submission
    _button(at, "提交").click()
    at.run()
    assert any("不能提交" in e.value for e in at.error)
    engine = db.make_engine(fill_db)
    task = tasks.ensure_auto_task(engine)
    assert entries.load_entries(engine, task.id) == {}
    # a draft is saved whatever the problems
    _edit(at, {1: {"检视问题数": "3", "已整改销号问题数": "5", "为民办实事件数": "X"}})
    _button(at, "保存草稿").click()
    at.run()
    assert any("已保存草稿" in s.value for s in at.success), _texts(at)
    assert entries.load_entries(engine, task.id)["101"].status == "draft"
    # fixed, then submitted: the figures are on the board
    _edit(at, {1: {"检视问题数": "６", "已整改销号问题数": "5", "为民办实事件数": "2"}})
    assert "错误" not in "".join(m.value for m in at.markdown if "检查结果" in m.value)
    _button(at, "提交").click()
    at.run()
    assert any("已提交 1 个单位" in s.value for s in at.success), _texts(at)
    board = repo.load_figures(engine).set_index("unit_code")
    assert board.loc["101", "problems_found"] == 6
    grid = status.entry_status(engine, task.report_date).set_index("unit_code")
    assert grid.loc["101", "label"] == "已提交"


def test_a_save_gives_a_new_editor_and_the_message_stays_until_the_next_edit(
    fill_db: str,
) -> None:
    """A save reloads the figures into a new editor (a new key: the browser mounts it fresh
    instead of resetting the old one and rerunning once more, which lost a cell typed at
    once); the outcome stays through any rerun until the user edits again."""
    at = _open("fill.py")
    first = _editor_key(at)
    _edit(at, {1: {"读书班期数": "6"}})
    assert any("有未保存的修改：1 个单位" in c.value for c in at.caption)
    _button(at, "保存草稿").click()
    at.run()
    assert any("已保存草稿：1 个单位" in s.value for s in at.success), _texts(at)
    assert not any("有未保存的修改" in c.value for c in at.caption)
    assert _editor_key(at) != first and len(at.data_editor) == 1
    assert list(at.data_editor(key=_editor_key(at)).value["读书班期数"])[1] == "6"
    at.run()  # a rerun for anything else on the page
    assert any("已保存草稿：1 个单位" in s.value for s in at.success), _texts(at)
    _edit(at, {2: {"读书班期数": "2"}})
    assert not any("已保存草稿" in s.value for s in at.success), _texts(at)


def test_review_page_counts_and_returns(fill_db: str) -> None:
    engine = db.make_engine(fill_db)
    task = tasks.ensure_auto_task(engine)
    office = entries.Actor("", "office")
    entries.submit(engine, task, office, {"10101": {"deeds_done": 3}}, {"10101": 0})
    at = _open("review.py")
    assert at.title[0].value == "填报审核"
    assert [m.value for m in at.metric][:2] == ["7", "1"]
    form_select = at.selectbox(key="review_unit")
    assert form_select.value == "10101"
    at.text_input(key="review_reason").set_value("数字偏低，请核对")
    next(b for b in at.button if b.label == "退回").click()
    at.run()
    assert not at.exception, at.exception
    assert any("已退回" in s.value for s in at.success), _texts(at)
    assert entries.load_entries(engine, task.id)["10101"].status == "returned"
    # the unit's page shows the reason
    at = _open("fill.py")
    assert any("数字偏低" in w.value for w in at.warning)


def test_the_template_is_built_only_when_downloaded(
    fill_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reruns (an edit) build no workbook; pressing the button builds it and records the
    download in the audit log."""
    built: list[int] = []
    real_template, real_audited = template_upload.template_for, session.audited
    downloads: list = []

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(1)
        return real_template(*args, **kwargs)

    def keep(make, action: str, what: str):  # type: ignore[no-untyped-def]
        downloads.append((what, real_audited(make, action, what)))
        return downloads[-1][1]

    monkeypatch.setattr(template_upload, "template_for", counting)
    monkeypatch.setattr(session, "audited", keep)
    at = _open("fill.py")
    _edit(at, {1: {"读书班期数": "6"}})
    assert any("下载本周模板" in b.proto.label for b in at.get("download_button"))
    assert built == []  # two reruns, no workbook built
    what, press = next((w, d) for w, d in downloads if w.startswith("填报模板"))
    data = press()  # what the button runs when pressed
    assert data[:2] == b"PK" and built == [1]
    log = audit.entries(db.make_engine(fill_db))
    assert list(log["action"])[0] == "download" and log["detail"].iloc[0]["what"] == what


def test_the_office_opens_a_subtree_task_with_its_times_and_closes_it(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'tasks.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEMO_DATABASE_URL", f"sqlite:///{tmp_path / 'demo-unused.sqlite3'}")
    engine = db.connect(url)
    add_units(engine)
    at = _open("review.py")  # opening the page creates this week's automatic task
    day = at.date_input(key="review_task_day").value + dt.timedelta(days=7)
    at.date_input(key="review_task_day").set_value(day)
    at.run()
    at.selectbox(key="review_task_scope").set_value("102")
    at.date_input(key="review_task_open_day").set_value(day - dt.timedelta(days=1))
    at.time_input(key="review_task_open_time").set_value(dt.time(8, 30))
    at.date_input(key="review_task_end_day").set_value(day + dt.timedelta(days=2))
    at.time_input(key="review_task_end_time").set_value(dt.time(12, 0))
    at.checkbox(key="review_task_late").uncheck()
    next(b for b in at.button if b.label == "开放这一周的填报任务").click()
    at.run()
    assert not at.exception, at.exception
    assert any("已开放" in s.value and "乙县" in s.value for s in at.success), _texts(at)
    task = status.task_for(engine, day)
    assert task is not None and task.scope_code == "102" and not task.allow_late
    beijing = tasks.OFFICE_TZ
    assert task.opens_at == dt.datetime.combine(day - dt.timedelta(days=1), dt.time(8, 30), beijing)
    assert task.deadline == dt.datetime.combine(day + dt.timedelta(days=2), dt.time(12), beijing)
    # the review grid of that week holds the subtree only
    at.selectbox(key="review_week").set_value(day)
    at.run()
    assert [m.value for m in at.metric][:1] == ["3"]
    # close, then reopen: each audited
    next(b for b in at.button if b.label == "关闭这一周的填报任务").click()
    at.run()
    assert status.task_for(engine, day).closed_at is not None
    assert any("已关闭" in s.value for s in at.success)
    next(b for b in at.button if b.label == "重新开放这一周的填报任务").click()
    at.run()
    assert status.task_for(engine, day).closed_at is None
    log = audit.entries(engine)
    kinds = [(a, d.get("closed")) for a, d in zip(log["action"], log["detail"], strict=True)]
    assert kinds[:3] == [("fill_task", False), ("fill_task", True), ("fill_task", None)]
    # a second task for the same week is refused with the reason
    next(b for b in at.button if b.label == "开放这一周的填报任务").click()
    at.run()
    assert any("已经存在" in e.value for e in at.error)


def test_the_office_moves_a_deadline_and_the_late_rule(fill_db: str) -> None:
    at = _open("review.py")
    engine = db.make_engine(fill_db)
    task = status.task_for(engine, tasks.current_report_date(repo.get_settings(engine)))
    assert task is not None
    later = (task.deadline + dt.timedelta(days=1)).astimezone(tasks.OFFICE_TZ)
    opening = task.opens_at.astimezone(tasks.OFFICE_TZ).date() - dt.timedelta(days=1)
    at.date_input(key=f"review_adjust_open_day_{task.id}").set_value(opening)
    at.time_input(key=f"review_adjust_open_time_{task.id}").set_value(dt.time(9, 0))
    at.date_input(key=f"review_adjust_day_{task.id}").set_value(later.date())
    at.time_input(key=f"review_adjust_time_{task.id}").set_value(dt.time(18, 0))
    at.checkbox(key=f"review_adjust_late_{task.id}").set_value(not task.allow_late)
    _button(at, "保存调整").click()
    at.run()
    assert not at.exception, at.exception
    moved = status.task_for(engine, task.report_date)
    assert moved is not None and moved.allow_late is not task.allow_late
    assert moved.deadline == dt.datetime.combine(later.date(), dt.time(18), tasks.OFFICE_TZ)
    assert moved.opens_at == dt.datetime.combine(opening, dt.time(9), tasks.OFFICE_TZ)
    assert any("已调整填报任务" in s.value for s in at.success), _texts(at)
    # a deadline before the opening time is refused with the reason, nothing changes
    at.date_input(key=f"review_adjust_day_{task.id}").set_value(opening - dt.timedelta(days=3))
    _button(at, "保存调整").click()
    at.run()
    assert any("截止时间早于开放时间" in e.value for e in at.error), _texts(at)
    assert status.task_for(engine, task.report_date).deadline == moved.deadline


def test_a_liaison_sees_no_task_controls(fill_db: str, monkeypatch) -> None:
    """Hiding is not the guard (tests/entry/test_task_authority.py attacks the door), but a
    liaison's review page offers no control it may not use."""
    liaison = door.Viewer("jia", "liaison", "101")
    monkeypatch.setattr(session, "current_viewer", lambda: liaison)
    at = _open("review.py")
    labels = {b.label for b in at.button} | {b.label for b in at.get("form_submit_button")}
    assert "应报单位" in {m.label for m in at.metric}
    assert not labels & {"开放这一周的填报任务", "关闭这一周的填报任务", "保存调整"}, labels
