"""A board page of one week keeps its computed week while another week is written, and
shows a write of its own week on the next rerun (``state.week_version``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import door
from dashboard.store import db, returns_repo
from dashboard.ui import state

from ..core.report_data import SILENT_IN_W3, W2, W3, fill_database

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture
def city(tmp_path: Path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'city.sqlite3'}"
    engine = db.connect(url)
    fill_database(engine)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEMO_DATABASE_URL", f"sqlite:///{tmp_path / 'demo-unused.sqlite3'}")
    return url


def _upload(url: str, day: Any, name: str, code: str, found: int) -> None:
    engine = db.connect(url)
    returns_repo.save_upload(
        engine,
        file_name=name,
        content=name.encode(),
        status="imported",
        rows=[
            {
                "unit_code": code,
                "report_date": day,
                "figures": {"problems_found": found},
                "sheet": None,
                "row": None,
            }
        ],
        report_date=day,
    )
    engine.dispose()


def _reported(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "已报单位")


def test_a_week_stays_computed_while_a_later_week_is_written(city: str, monkeypatch) -> None:
    computed: list[Any] = []
    real = door.city_week

    def counting(*args: Any, **kwargs: Any) -> Any:
        computed.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(door, "city_week", counting)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.selectbox(key=state.REPORT_DATE_KEY).set_value(W2).run()
    assert not at.exception
    assert computed.count(W2) == 1
    reported = _reported(at)

    _upload(city, W3, "迟到的乙四村.xlsx", SILENT_IN_W3, 1)  # a write of a later week
    at.run()
    assert computed.count(W2) == 1, "the week's computation was kept"
    assert _reported(at) == reported

    at.selectbox(key=state.REPORT_DATE_KEY).set_value(W3).run()
    assert not at.exception
    assert _reported(at) == "15", "the later week shows the write at once"

    _upload(city, W2, "更正.xlsx", "01", 99)  # a write of the week shown: computed again
    at.selectbox(key=state.REPORT_DATE_KEY).set_value(W2).run()
    assert computed.count(W2) == 2


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _captions(at: AppTest) -> str:
    return "\n".join(str(c.value) for c in at.caption)


def test_under_a_freshness_bound_a_week_moves_on_at_most_that_often(city: str, monkeypatch) -> None:
    from dashboard.ui import freshness

    clock = Clock()
    monkeypatch.setattr(state, "FRESHNESS", freshness.Freshness(clock))
    monkeypatch.setenv(freshness.ENV, "60")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert _reported(at) == "14"  # 乙四村 silent in the last week
    assert "正在汇总" not in _captions(at)

    _upload(city, W3, "迟到的乙四村.xlsx", SILENT_IN_W3, 1)
    clock.now += 20
    at.run()
    assert _reported(at) == "14", "served as adopted 20 s ago"
    assert "约 40 秒内显示" in _captions(at) and "汇总于 20 秒前" in _captions(at)

    clock.now += 40
    at.run()
    assert _reported(at) == "15", "60 s on: the newest version"
    assert "正在汇总" not in _captions(at)
