"""The one door: the same report as the core builds from the same inputs, one set of errors,
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from dashboard import door
from dashboard.core import report
from dashboard.core.report import build_report
from dashboard.core.settings import Settings
from dashboard.store import repo
from tests.export.conftest import WEEK1, WEEK2, fill_database


@pytest.fixture
def city(any_engine):
    return fill_database(any_engine)


def test_week_report_is_the_core_report_of_the_stored_figures(city) -> None:
    got = door.week_report(city, WEEK2, "01")
    expected = build_report(
        repo.load_units(city),
        repo.load_figures(city),
        Settings(repo.get_settings(city)),
        WEEK2,
        "01",
    )
    assert got.to_json() == expected.to_json()
    assert door.week_report(city).report_date == WEEK2  # the latest week by default


def test_trends_histories_grid_and_scope_units(city) -> None:
    trends = door.level_trends(city, WEEK2, None, weeks=None)
    assert set(trends["report_date"].dt.date) == {WEEK1, WEEK2}
    history = door.units_history(city, WEEK2, ["0101"], weeks=None)
    assert set(history["unit_code"]) == {"0101"} and len(history) == 2
    grid = door.status_grid(city, WEEK2, 2, "02")
    assert set(grid.index) == {"02", "0201", "020101"}
    assert list(door.scope_units(city, "02")["code"]) == ["02", "0201", "020101"]
    sums = door.indicator_trends(city, WEEK2, None, ["problems_found"], weeks=None)
    assert not sums.empty


@pytest.mark.parametrize(
    ("day", "scope", "words"),
    [
        ("2023-11-03", None, "没有周报数据"),
        (None, "99", "没有编码为“99”的单位"),
    ],
)
def test_one_set_of_errors(city, day, scope, words) -> None:
    import datetime as dt

    with pytest.raises(door.DoorError, match=words):
        door.week_report(city, dt.date.fromisoformat(day) if day else None, scope)


def test_empty_registry_and_no_data(any_engine) -> None:
    with pytest.raises(door.DoorError, match="单位名册为空"):
        door.week_report(any_engine)


def _same_report(a, b) -> None:
    assert a.to_json() == b.to_json()
    assert a.findings == b.findings and a.coverage == b.coverage
    for part in ("units", "subtrees", "levels", "lagging", "totals", "rates", "history"):
        left, right = getattr(a, part), getattr(b, part)
        assert left.reset_index(drop=True).equals(right.reset_index(drop=True)), part


@pytest.mark.parametrize("by_category", [False, True])
@pytest.mark.parametrize("viewer", [None, door.Viewer("jia", "liaison", "01")])
def test_a_scope_cut_from_the_city_week_is_the_report_computed_for_it(
    city, viewer, by_category
) -> None:
    """The pages compute the city-wide part once per week and cut each scope from it: every
    scope's report is the one computed for that scope alone, within the viewer's units."""
    shared = door.city_week(city, WEEK2, by_category=by_category, viewer=viewer)
    codes = [None, *repo.load_units(city)["code"]] if viewer is None else ["01", "0101"]
    for scope in codes:
        alone = door.week_report(city, WEEK2, scope, by_category=by_category, viewer=viewer)
        cut = door.week_report(
            city, WEEK2, scope, by_category=by_category, viewer=viewer, city=shared
        )
        _same_report(cut, alone)
    if viewer is not None:  # the viewer's scope still holds where the report is cut
        with pytest.raises(door.DoorError, match="只能查看"):
            door.week_report(city, WEEK2, "02", viewer=viewer, city=shared)


@pytest.mark.parametrize("viewer", [None, door.Viewer("jia", "liaison", "01")])
def test_trend_lines_cut_from_the_city_history_are_the_ones_computed_alone(city, viewer) -> None:
    shared = door.city_history(city, WEEK2, weeks=None, viewer=viewer)
    codes = [None, *repo.load_units(city)["code"]] if viewer is None else ["01", "0101"]
    for scope in codes:
        alone = door.level_trends(city, WEEK2, scope, weeks=None, viewer=viewer)
        cut = door.level_trends(city, WEEK2, scope, weeks=None, viewer=viewer, city=shared)
        assert cut.equals(alone), scope


@pytest.mark.parametrize("viewer", [None, door.Viewer("jia", "liaison", "01")])
def test_indicator_lines_cut_from_the_city_are_the_ones_computed_alone(city, viewer) -> None:
    wanted = ["problems_found", "reading_classes"]
    shared = door.city_indicators(city, WEEK2, wanted, weeks=None, viewer=viewer)
    codes = [None, *repo.load_units(city)["code"]] if viewer is None else ["01", "0101"]
    units = repo.load_units(city)
    settings = Settings(repo.get_settings(city))
    for scope in codes:
        alone = report.indicator_trends(
            door.visible(door.Inputs(units, repo.load_figures(city), settings, []), viewer).units,
            repo.load_figures(city),
            settings,
            wanted,
            WEEK2,
            scope,
        )
        cut = door.indicator_trends(
            city, WEEK2, scope, wanted, weeks=None, viewer=viewer, city=shared
        )
        assert not cut.empty and cut.equals(alone), scope
    if viewer is not None:  # the viewer's scope still holds where the lines are cut
        with pytest.raises(door.DoorError, match="只能查看"):
            door.indicator_trends(city, WEEK2, "02", wanted, viewer=viewer, city=shared)


@pytest.fixture
def city_with_task(city):
    """The city with a 填报 task for WEEK2 whose deadline has passed: two units on time,
    one late, the others 逾期未报."""
    from dashboard.entry import entries, tasks

    def at(hour: int):
        import datetime as dt

        return dt.datetime.combine(WEEK2, dt.time(hour), dt.UTC)

    office = entries.Actor("office", "office")
    task = tasks.open_task(city, WEEK2, opens_at=at(0), deadline=at(12))
    entries.submit(
        city, task, office, {"01": {"deeds_done": 3}, "0101": {"deeds_done": 1}},
        {"01": 0, "0101": 0}, now=at(1),
    )  # fmt: skip
    entries.submit(city, task, office, {"02": {"deeds_done": 2}}, {"02": 0}, now=at(13))
    return city


@pytest.mark.parametrize("viewer", [None, door.Viewer("jia", "liaison", "01")])
def test_every_scope_cut_from_the_week_is_its_report_from_its_own_rows(
    city_with_task, viewer
) -> None:
    """The door cuts a scope below the city from the week's parts (``report.ScopeParts``) and
    counts its 按时报送率 from the week's entry status read once: every scope equals the
    report of its own rows and the rate ``door.timeliness`` reads for it."""
    engine = city_with_task
    shared = door.city_week(engine, WEEK2, viewer=viewer)
    settings = Settings(repo.get_settings(engine))
    codes = [None, *repo.load_units(engine)["code"]] if viewer is None else [None, "01", "0101"]
    cut_from_parts = 0
    for scope in codes:
        cut = door.week_report(engine, WEEK2, scope, viewer=viewer, city=shared)
        own = door.scope_for(scope, door.visible(door.inputs(engine, WEEK2, 0), viewer), viewer)
        found = door.timeliness(engine, WEEK2, scope, viewer)
        assert found is not None
        timeliness = {
            "on_time": found.on_time,
            "late": found.late,
            "overdue": found.overdue,
            "on_time_rate": found.rate,
        }
        alone = report.scope_report_alone(shared, settings, own, timeliness)
        _same_report(cut, alone)
        assert cut.coverage == alone.coverage and cut.findings == alone.findings, scope
        assert shared.parts is not None
        cut_from_parts += own in shared.parts.span
    assert cut_from_parts == (len(codes) - 2 if viewer is None else len(codes))
    assert door.week_report(engine, WEEK2, "0201").coverage["overdue"] == 1  # 西一镇


def test_a_new_scope_cut_from_a_warm_week_reads_nothing_from_the_database(
    city_with_task,
) -> None:
    """What the pages keep per week (the inputs and the city-wide week) serves a filter
    change to a subtree nobody opened: no statement reaches the database."""
    from sqlalchemy import event

    engine = city_with_task
    data = door.inputs(engine, WEEK2, 0)
    shared = door.city_week(engine, WEEK2, given=data, checked=True)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        for scope in ("01", "0102", "020101"):
            rep = door.week_report(engine, WEEK2, scope, given=data, checked=True, city=shared)
            assert rep.coverage["on_time_rate"] is not None
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert statements == []


@pytest.mark.parametrize("viewer", [None, door.Viewer("jia", "liaison", "01")])
def test_status_grids_cut_from_the_city_grid_are_the_ones_computed_alone(city, viewer) -> None:
    shared = door.city_status_grid(city, WEEK2, 2, viewer=viewer)
    codes = [None, *repo.load_units(city)["code"]] if viewer is None else [None, "01", "0101"]
    for scope in codes:
        alone = door.status_grid(city, WEEK2, 2, scope, viewer=viewer)
        cut = door.status_grid(city, WEEK2, 2, scope, viewer=viewer, city=shared)
        assert not cut.empty and cut.equals(alone), scope
    if viewer is not None:  # the viewer's scope still holds where the grid is cut
        with pytest.raises(door.DoorError, match="只能查看"):
            door.status_grid(city, WEEK2, 2, "02", viewer=viewer, city=shared)


def test_inputs_a_viewer_may_see_are_cut_once(city) -> None:
    """``visible`` marks what it cut: the same subtree's cut is not made again, another
    subtree's is made from it, and a subtree outside it is refused."""
    data = door.inputs(city, WEEK2, 0)
    liaison = door.Viewer("jia", "liaison", "01")
    cut = door.visible(data, liaison)
    assert cut.within == "01" and set(cut.units["code"]) == {
        "01",
        "0101",
        "0102",
        "010101",
        "010102",
    }
    assert door.visible(cut, liaison) is cut
    deeper = door.visible(cut, door.Viewer("yi", "liaison", "0101"))
    assert deeper.within == "0101" and set(deeper.units["code"]) == {"0101", "010101", "010102"}
    assert set(deeper.figures["unit_code"]) <= {"0101", "010101", "010102"}
    with pytest.raises(door.DoorError, match="不在单位名册中"):
        door.visible(cut, door.Viewer("bing", "liaison", "02"))
    assert door.visible(data, None) is data
