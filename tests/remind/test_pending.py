"""Who has not reported, grouped by liaison, and the message each liaison gets."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine

from dashboard import door
from dashboard.remind import service
from dashboard.remind.pending import NO_CONTACT, group_by_liaison, load_registry, not_reported
from dashboard.store import repo
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
    assert "填报地址：https://kanban.example.gov.cn" in text and text.endswith("主题教育办")
    assert plan.unit_count == 4


def test_without_a_task_the_deadline_is_the_report_day_evening(any_engine: Engine) -> None:
    seed(any_engine)
    later = DAY + dt.timedelta(days=7)
    week = service.week_for(any_engine, later, repo.get_settings(any_engine))
    assert week.task_id is None
    assert week.deadline == dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)  # 18:00 Beijing


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
