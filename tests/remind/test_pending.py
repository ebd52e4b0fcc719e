"""Who has not reported, grouped by liaison, and the message each liaison gets."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine

from dashboard import door
from dashboard.entry import entries, tasks
from dashboard.entry.status import DONE
from dashboard.navigation import url_path
from dashboard.remind import service
from dashboard.remind.message import FILL_PAGE
from dashboard.remind.pending import NO_CONTACT, group_by_liaison, load_registry, not_reported
from dashboard.store import repo, returns_repo
from tests.entry.helpers import add_units
from tests.remind.conftest import DAY, configure, seed


def test_not_reported_counts_figures_and_submitted_entries(any_engine: Engine) -> None:
    seed(any_engine)
    pending = not_reported(any_engine, DAY, None)
    # 甲镇 has figures, 西县 submitted online: the other four are pending
    assert list(pending["code"]) == ["C", "C01", "C0102", "C010201"]
    scoped = not_reported(any_engine, DAY, None, door.Viewer("dong", "liaison", "C01"))
    assert list(scoped["code"]) == ["C01", "C0102", "C010201"]
    assert list(not_reported(any_engine, DAY, "C0102")["code"]) == ["C0102", "C010201"]


def test_units_without_a_contact_go_to_the_nearest_ancestors(any_engine: Engine) -> None:
    seed(any_engine)
    groups = group_by_liaison(not_reported(any_engine, DAY, None), load_registry(any_engine))
    assert [(g.contact_name, g.codes) for g in groups] == [
        ("李明", ["C"]),
        ("张三", ["C01", "C0102", "C010201"]),
    ]
    assert groups[1].via == ["", "东县", "东县"]
    assert groups[1].title == "张三　139-0000-0001"


def test_units_with_no_contact_up_the_tree_are_listed_last() -> None:
    registry = pd.DataFrame(
        {
            "code": ["R", "A", "B"],
            "name": ["根", "甲", "乙"],
            "parent_code": [None, "R", "R"],
            "contact_name": [None, None, "王五"],
            "contact_phone": [None, None, None],
        }
    )
    groups = group_by_liaison(registry[["code", "name"]], registry)
    assert [g.title for g in groups] == ["王五", NO_CONTACT]
    assert groups[1].codes == ["R", "A"] and not groups[1].registered


def test_the_message_names_units_deadline_and_link(any_engine: Engine) -> None:
    seed(any_engine)
    configure(any_engine, board_url="https://kanban.example.gov.cn/", office_name="主题教育办")
    now = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing
    plan = service.plan(any_engine, DAY, None, now=now)
    text = plan.messages[1]
    assert text.startswith("【催报】")
    assert "张三同志：截至11月27日10:00，以下3个单位尚未报送11月27日（统计截止日）的周报" in text
    assert "2. 东县乙镇（由东县联络人代报）" in text
    deadline = plan.context.deadline
    assert f"请于{deadline.month}月{deadline.day}日{deadline:%H:%M}前完成报送" in text
    assert "填报地址：https://kanban.example.gov.cn/fill\n" in text and text.endswith("主题教育办")
    assert FILL_PAGE == url_path("fill.py") == "fill"  # the address app.py gives the page
    assert plan.unit_count == 4


def test_without_a_task_the_deadline_follows_the_entry_settings(any_engine: Engine) -> None:
    seed(any_engine)
    later = DAY + dt.timedelta(days=7)
    week = service.week_for(any_engine, later, repo.get_settings(any_engine))
    assert week.task_id is None
    assert week.deadline == dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)  # Fri 17:00 Beijing
    configure(any_engine, fill_deadline_weekday=1, fill_deadline_hour=9)
    settings = repo.get_settings(any_engine)
    week = service.week_for(any_engine, later, settings)
    assert week.deadline == dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)  # Mon 09:00 Beijing
    assert week.deadline == tasks.default_times(later, settings)[1]  # what a task would get


def test_a_long_list_is_cut_to_fit_a_robots_limit() -> None:
    from dashboard.remind.message import Context, compose
    from dashboard.remind.pending import LiaisonGroup

    units = [(f"U{i}", f"很长很长的某某县某某镇第{i}个社区居民委员会党支部") for i in range(80)]
    group = LiaisonGroup("张三", "13900000001", units, ["某某县某某镇"] * 80)
    moment = dt.datetime(2026, 11, 27, 10, 0)
    ctx = Context("主题教育", "办公室", DAY, moment, "https://k.example.gov.cn", moment)
    full = compose(group, ctx)
    assert "30. " in full and "另有50个单位" in full
    fitted = compose(group, ctx, 2048)
    assert len(fitted.encode()) <= 2048 < len(full.encode())
    assert "另有" in fitted and fitted.endswith("办公室")


def test_the_remind_list_and_the_review_grid_agree(any_engine: Engine) -> None:
    """Drafts, a returned unit, an online submission and an imported return: 催报 lists
    exactly the units the review grid shows as not reported."""
    add_units(any_engine)
    now = dt.datetime.now(dt.UTC)
    day = tasks.current_report_date(repo.get_settings(any_engine))
    task = tasks.open_task(
        any_engine, day, opens_at=now - dt.timedelta(hours=1), deadline=now + dt.timedelta(days=1)
    )
    office = entries.Actor("", "office")
    entries.save_drafts(any_engine, task, office, {"101": {"deeds_done": 1}}, {"101": 0})
    entries.submit(
        any_engine, task, office, {"10101": {"deeds_done": 2}, "10102": {"deeds_done": 3}},
        {"10101": 0, "10102": 0},
    )  # fmt: skip
    version = entries.load_entries(any_engine, task.id)["10102"].version
    entries.return_entry(any_engine, task, office, "10102", "请核对", version, {})
    returns_repo.save_upload(
        any_engine,
        file_name="乙县.xlsx",
        content=b"yi",
        status="imported",
        rows=[{"unit_code": "10201", "report_date": day, "figures": {"deeds_done": 1},
               "sheet": None, "row": 3}],
        report_date=day,
    )  # fmt: skip
    grid = door.entry_review(any_engine, task, None)
    not_done = list(grid.loc[~grid["status"].isin(DONE), "unit_code"])
    assert not_done == ["1", "101", "10102", "102", "10202"]  # 草稿, 已退回, 未开始
    assert list(not_reported(any_engine, day, None)["code"]) == not_done
    plan = service.plan(any_engine, day, None)
    assert sorted(c for g in plan.groups for c in g.codes) == sorted(not_done)
