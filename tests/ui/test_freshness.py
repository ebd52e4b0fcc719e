"""The freshness bound: a process moves a week's pages to a newer version at once by
default, and at most every N seconds when bounded, except for a registry or settings
change."""

from __future__ import annotations

import pytest

from dashboard.ui import freshness


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_without_a_bound_every_new_version_is_served_at_once() -> None:
    fresh = freshness.Freshness(Clock())
    assert fresh.serve("w", "r|1", 0, "r") == freshness.Served("r|1")
    assert fresh.serve("w", "r|2", 0, "r") == freshness.Served("r|2")


def test_a_bound_serves_the_adopted_version_until_it_is_that_old() -> None:
    clock = Clock()
    fresh = freshness.Freshness(clock)
    assert fresh.serve("w", "r|1", 5, "r") == freshness.Served("r|1")  # nothing held: newest
    clock.now += 2
    assert fresh.serve("w", "r|2", 5, "r") == freshness.Served("r|1", 2.0)
    clock.now += 2
    assert fresh.serve("w", "r|3", 5, "r") == freshness.Served("r|1", 4.0)
    clock.now += 1
    assert fresh.serve("w", "r|3", 5, "r") == freshness.Served("r|3")  # 5 s old: moved on
    clock.now += 1
    assert fresh.serve("w", "r|3", 5, "r") == freshness.Served("r|3")
    assert fresh.serve("other week", "r|9", 5, "r") == freshness.Served("r|9")


def test_the_same_version_keeps_its_adoption_time() -> None:
    clock = Clock()
    fresh = freshness.Freshness(clock)
    fresh.serve("w", "r|1", 5, "r")
    for _ in range(10):
        clock.now += 1
        fresh.serve("w", "r|1", 5, "r")
    assert fresh.serve("w", "r|2", 5, "r") == freshness.Served("r|2")


def test_a_registry_or_settings_change_is_served_at_once() -> None:
    clock = Clock()
    fresh = freshness.Freshness(clock)
    fresh.serve("w", "r1|1", 60, "r1")
    clock.now += 1
    assert fresh.serve("w", "r2|1", 60, "r2") == freshness.Served("r2|1")


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        (None, 0.0),
        ("", 0.0),
        ("5", 5.0),
        ("2.5", 2.5),
        ("-3", 0.0),
        ("nan", 0.0),
        ("x", 0.0),
        ("9999", 300.0),
    ],
)
def test_the_bound_from_the_environment(monkeypatch, raw: str | None, seconds: float) -> None:
    if raw is None:
        monkeypatch.delenv(freshness.ENV, raising=False)
    else:
        monkeypatch.setenv(freshness.ENV, raw)
    assert freshness.seconds_from_env() == seconds
