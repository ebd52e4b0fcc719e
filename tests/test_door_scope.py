"""Scope is applied in the door: for random viewers and random requests, every result holds
only units inside the viewer's subtree, and rankings are made inside it."""

from __future__ import annotations

import random

import pytest

from dashboard import door
from dashboard.core.units import UnitTree
from dashboard.store import repo
from tests.export.conftest import WEEK2, fill_database


@pytest.fixture
def city(engine):
    return fill_database(engine)


def outside_names(units, allowed: set[str]) -> list[str]:
    return [n for c, n in zip(units["code"], units["name"], strict=True) if c not in allowed]


def _codes_in(frame, column: str = "unit_code") -> set[str]:
    if frame is None or len(frame) == 0 or column not in frame:
        return set()
    return set(frame[column].astype(str))


@pytest.mark.parametrize("seed", range(6))
def test_every_result_stays_inside_the_viewers_subtree(city, seed: int) -> None:
    rng = random.Random(seed)
    units = repo.load_units(city)
    tree = UnitTree(units)
    home = rng.choice(list(units["code"]))
    allowed = set(tree.subtree(home))
    viewer = door.Viewer("联络员", rng.choice(["liaison", "viewer"]), home)
    week = door.week_report(city, WEEK2, None, viewer=viewer)
    assert _codes_in(week.lagging, "unit_code") <= allowed
    assert _codes_in(week.subtrees, "code") <= allowed
    assert _codes_in(week.units, "code") == allowed
    assert not any(name in " ".join(week.findings) for name in outside_names(units, allowed))
    grid = door.status_grid(city, WEEK2, 2, None, viewer=viewer)
    assert set(grid.index) <= allowed
    assert set(door.scope_units(city, None, viewer=viewer)["code"]) == allowed
    history = door.units_history(city, WEEK2, list(units["code"]), weeks=None, viewer=viewer)
    assert _codes_in(history) <= allowed
    outside = [c for c in units["code"] if c not in allowed]
    if outside:
        with pytest.raises(door.DoorError, match="只能查看"):
            door.week_report(city, WEEK2, rng.choice(outside), viewer=viewer)


def test_a_liaison_ranks_its_units_among_themselves(city) -> None:
    viewer = door.Viewer("东城联络员", "liaison", "01")
    week = door.week_report(city, WEEK2, viewer=viewer)
    assert set(week.units["code"]) == {"01", "0101", "0102", "010101", "010102"}
    ranked = week.units.dropna(subset=["rank"])
    for _, pool in ranked.groupby("level"):  # ranks 1..n among the county's own units
        ranks = pool["rank"].astype(int)
        assert ranks.min() == 1 and ranks.max() <= len(pool)  # ties share a rank
    assert week.scope_name == "东城县"
