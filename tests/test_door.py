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
