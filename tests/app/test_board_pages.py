"""AppTest for the seven board pages and their filters, on the small hand-made city of
``tests/core/report_data.py`` (15 units, 3 weeks; 乙县's villages run cold; 乙四村 silent
in the last week)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.store import db
from dashboard.ui import filters

from ..conftest import BACKENDS, PgDatabases, pg_url
from ..core.report_data import W2, fill_database

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
BOARD_PAGES = ("overview", "coverage", "ranking", "lagging", "gradient", "trends", "unit_detail")


@pytest.fixture(scope="module")
def city_db_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("board") / "city.sqlite3"
    engine = db.connect(f"sqlite:///{path}")
    fill_database(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def city_pg_url(pg_databases: PgDatabases) -> Iterator[str]:
    """The same city in a PostgreSQL database of its own (the pages only read it)."""
    name = pg_databases.fresh()
    url = pg_url(name)
    engine = db.make_engine(url)
    fill_database(engine)
    engine.dispose()
    yield url
    pg_databases.drop(name)


@pytest.fixture(params=BACKENDS)
def city_url(request, monkeypatch) -> str:
    """The app on the city's database: every page test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{request.getfixturevalue('city_db_file')}"
    else:
        url = request.getfixturevalue("city_pg_url")
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def chart_titles(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def numbers(values: object) -> list[float]:
    """A plotly array as numbers (plotly may send it base64-encoded)."""
    if isinstance(values, dict):
        raw = base64.b64decode(values["bdata"])
        return np.frombuffer(raw, dtype=np.dtype(values["dtype"])).tolist()
    return list(values)  # type: ignore[call-overload]


def metric(at: AppTest, label: str) -> str:
    for item in at.metric:
        if item.label == label:
            return item.value
    raise AssertionError(f"no metric {label!r}: {[m.label for m in at.metric]}")


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.caption]
    parts += (
        [w.value for w in at.warning] + [e.value for e in at.error] + [c.value for c in at.code]
    )
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", BOARD_PAGES)
def test_every_page_renders_with_definitions(city_url: str, page: str) -> None:
    at = open_page(page)
    assert [e.label for e in at.expander if e.label == "口径说明"]
    assert at.get("plotly_chart"), "every board page draws at least one chart"
    titles = chart_titles(at)
    assert all(t.startswith("截至") for t in titles), titles


@pytest.mark.parametrize("page", BOARD_PAGES)
def test_every_board_page_has_the_shared_filters(city_url: str, page: str) -> None:
    at = open_page(page)
    assert at.selectbox(key=filters.SCOPE_KEY)
    assert at.multiselect(key=filters.LEVEL_KEY)
    assert at.multiselect(key=filters.CATEGORY_KEY)


def test_overview_cards_chart_and_findings(city_url: str) -> None:
    at = open_page("overview")
    assert metric(at, "报送率") == "93.3%"
    assert metric(at, "应报单位") == "15"
    assert metric(at, "落后单位") == "4"
    assert "截至10月27日各层级平均热度" in chart_titles(at)
    text = all_text(at)
    assert "截至10月27日，全市应报单位15个，已报14个，报送率93.3%" in text
    assert "乙县（上热下冷）" in text


def test_week_picker_changes_the_week(city_url: str) -> None:
    at = open_page("overview")
    at.sidebar.selectbox[0].set_value(W2).run()
    assert not at.exception
    assert metric(at, "报送率") == "100.0%"
    assert "截至10月20日各层级平均热度" in chart_titles(at)


def test_scope_filter_cuts_to_a_subtree(city_url: str) -> None:
    at = open_page("overview")
    at.selectbox(key=filters.SCOPE_KEY).set_value("0102").run()
    assert not at.exception
    assert metric(at, "应报单位") == "7"
    assert "乙县应报单位7个" in all_text(at)


def test_the_filters_stay_when_moving_to_another_board_page(city_url: str) -> None:
    at = open_page("overview")
    at.selectbox(key=filters.SCOPE_KEY).set_value("0102").run()
    at.multiselect(key=filters.LEVEL_KEY).set_value([3]).run()
    at.switch_page("app_pages/ranking.py").run()
    assert not at.exception
    assert at.selectbox(key=filters.SCOPE_KEY).value == "0102"
    assert at.multiselect(key=filters.LEVEL_KEY).value == [3]
    at.switch_page("app_pages/overview.py").run()
    assert metric(at, "应报单位") == "2"  # 乙县's two townships (level 3), again


def test_scope_choices_are_counties_then_their_townships(city_url: str) -> None:
    at = open_page("overview")
    box = at.selectbox(key=filters.SCOPE_KEY)
    assert box.options == ["全市", "甲县", "\u3000甲一镇", "\u3000甲二镇", "乙县",
                           "\u3000乙一镇", "\u3000乙二镇"]  # fmt: skip


@pytest.mark.parametrize("page", BOARD_PAGES)
def test_every_page_takes_a_township_as_its_scope(city_url: str, page: str) -> None:
    at = open_page(page)
    at.selectbox(key=filters.SCOPE_KEY).set_value("010201").run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    if page == "overview":
        assert metric(at, "应报单位") == "3"
        assert "乙一镇应报单位3个" in all_text(at)


def test_level_and_category_filters(city_url: str) -> None:
    at = open_page("lagging")
    assert metric(at, "落后单位") == "4"
    at.multiselect(key=filters.LEVEL_KEY).set_value([3]).run()
    assert not at.exception
    assert metric(at, "落后单位") == "0"  # the lagging units are all villages
    at.multiselect(key=filters.LEVEL_KEY).set_value([]).run()
    at.multiselect(key=filters.CATEGORY_KEY).set_value(["村（社区）"]).run()
    assert metric(at, "落后单位") == "4"


def test_coverage_missing_list_reminder_and_grid(city_url: str) -> None:
    at = open_page("coverage")
    assert metric(at, "未报单位") == "1"
    missing = at.dataframe[0].value
    assert list(missing["单位编码"]) == ["01020202"]
    assert list(missing["所属系统"]) == ["乙县"]
    reminder = at.code[0].value
    assert reminder.splitlines()[1] == "乙县：乙四村"
    grid = at.dataframe[1].value
    assert list(grid.columns[-3:]) == ["10-13", "10-20", "10-27"]
    row = grid[grid["单位编码"] == "01020202"].iloc[0]
    assert row["10-27"] == "✘ 未报" and row["10-20"] == "✔ 已报"
    at.checkbox(key="coverage_only_gaps").check().run()
    assert list(at.dataframe[1].value["单位编码"]) == ["01020202"]
    at.slider(key="coverage_weeks").set_value(2).run()
    assert not at.exception
    assert list(at.dataframe[1].value.columns[-2:]) == ["10-20", "10-27"]


def test_ranking_pool_toggle_and_bars(city_url: str) -> None:
    at = open_page("ranking")
    table = at.dataframe[0].value
    assert len(table) == 15
    village_ranks = table[table["比较组"] == "村级"]["组内排名"].tolist()
    assert sorted(village_ranks) == [1, 1, 1, 1, 5, 5, 5, 5]
    titles = chart_titles(at)
    assert "截至10月27日热度排名前10位" in titles and "截至10月27日热度排名后10位" in titles
    at.selectbox(key="ranking_pool").set_value("村级").run()
    assert len(at.dataframe[0].value) == 8
    at.selectbox(key="ranking_pool").set_value("全部").run()
    at.toggle(key=filters.POOL_KEY).set_value(True).run()
    assert not at.exception
    pools = set(at.dataframe[0].value["比较组"])
    assert "村级·村（社区）" in pools and "县级·党政机关" in pools


def test_lagging_reasons_and_filter(city_url: str) -> None:
    at = open_page("lagging")
    table = at.dataframe[0].value
    assert len(table) == 4
    silent = table.iloc[0]  # the most severe first
    assert silent["单位编码"] == "01020202"
    assert silent["落后原因"] == "未报送"
    assert silent["严重程度"] == 60.0
    assert "连续1周未报送" in silent["具体情况"]
    assert "共4个落后单位，按严重程度排序。" in all_text(at)
    at.multiselect(key="lagging_reasons").set_value(["未报送"]).run()
    assert list(at.dataframe[0].value["单位编码"]) == ["01020202"]


def test_lagging_default_view_is_the_most_severe(
    city_db_file: Path, tmp_path: Path, monkeypatch
) -> None:
    import shutil

    from dashboard.store import repo

    target = tmp_path / "focus.sqlite3"
    shutil.copy(city_db_file, target)
    engine = db.connect(f"sqlite:///{target}")
    repo.set_settings(engine, {"lagging_focus": 2})
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{target}")
    at = open_page("lagging")
    assert metric(at, "落后单位") == "4"
    table = at.dataframe[0].value
    assert len(table) == 2 and table.iloc[0]["单位编码"] == "01020202"
    assert "共4个落后单位，按严重程度排序，默认列出最需督导的前2个。" in all_text(at)
    at.toggle(key="lagging_all").set_value(True).run()
    assert len(at.dataframe[0].value) == 4


def test_gradient_flags_the_cold_county(city_url: str) -> None:
    at = open_page("gradient")
    assert metric(at, "传导异常系统") == "1"
    assert any("乙县：上热下冷" in w.value for w in at.warning)
    table = at.dataframe[0].value
    assert table.iloc[0]["单位名称"] == "乙县" and table.iloc[0]["判定"] == "上热下冷"
    titles = chart_titles(at)
    assert "截至10月27日各系统逐级平均热度" in titles
    assert "截至10月27日单位热度分布（点击下钻）" in titles
    at.toggle(key="gradient_only_flagged").set_value(True).run()
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert [t["name"] for t in spec["data"]] == ["全市各层级平均", "乙县（上热下冷）"]


def test_trends_indicator_and_units(city_url: str) -> None:
    at = open_page("trends")
    at.selectbox(key="trends_indicator").set_value("cur_problems_closed").run()
    assert not at.exception
    assert "截至10月27日各层级已整改销号问题数（累计）走势" in chart_titles(at)
    at.multiselect(key="trends_units").set_value(["01020101", "01010101"]).run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[-1].proto.spec)
    names = [t["name"] for t in spec["data"]]
    assert "乙一村" in names and "乙一村·停滞周" in names and "甲一村" in names


def test_unit_detail_and_navigation_from_ranking(city_url: str) -> None:
    at = open_page("ranking")
    at.selectbox(key="ranking_unit").set_value("01020202").run()
    at.button(key="ranking_open").click().run()
    assert not at.exception
    assert at.session_state[filters.UNIT_DETAIL_KEY] == "01020202"
    assert any(h.value.startswith("乙四村") for h in at.subheader)
    assert "落后原因：连续1周未报送" in all_text(at)
    assert "截至10月27日乙四村热度与排名变化" in chart_titles(at)


def test_unit_detail_children_and_parent(city_url: str) -> None:
    at = open_page("unit_detail")
    at.selectbox(key="unit_detail_select").set_value("0102").run()
    assert not at.exception
    children = at.dataframe[1].value
    assert set(children["单位名称"]) == {"乙一镇", "乙二镇"}
    at.button(key="unit_detail_parent").click().run()
    assert not at.exception
    assert at.selectbox(key="unit_detail_select").value == "01"


def test_unit_detail_filters_narrow_the_choice(city_url: str) -> None:
    at = open_page("unit_detail")
    at.selectbox(key=filters.SCOPE_KEY).set_value("0102").run()
    at.multiselect(key=filters.LEVEL_KEY).set_value([4]).run()
    assert not at.exception
    options = at.selectbox(key="unit_detail_select").options
    # the unit on show (the city, first in the registry) stays, then 乙县's four villages
    assert len(options) == 5
    assert all("村" in o for o in options[1:])


def test_trends_heat_lines(city_url: str) -> None:
    at = open_page("trends")
    at.selectbox(key="trends_indicator").set_value("mean_heat").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    village = next(t for t in spec["data"] if t["name"] == "村级")
    assert numbers(village["y"])[-1] == 56.4  # the level-4 mean heat of W3 (test_report)


def test_trends_coverage_lines(city_url: str) -> None:
    at = open_page("trends")
    at.selectbox(key="trends_indicator").set_value("coverage").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    village = next(t for t in spec["data"] if t["name"] == "村级")
    assert numbers(village["y"]) == [1.0, 1.0, 7 / 8]  # 乙四村 silent in W3
