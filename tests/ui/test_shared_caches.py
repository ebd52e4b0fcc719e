"""The per-process caches behind warm page views: built once per key, never shared across
keys, and what callers get cannot change what other sessions see."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
from sqlalchemy import insert

from dashboard.store import db, repo
from dashboard.store.schema import units
from dashboard.ui import charts, state
from dashboard.ui.kept import Kept


def test_a_figure_is_built_once_per_key_and_again_for_another() -> None:
    built: list[str] = []

    def build(label: str) -> go.Figure:
        built.append(label)
        return go.Figure(go.Bar(x=[label], y=[1]))

    first, first_json = charts.cached_figure(lambda: build("a"), ("test", "viewer-a", 1))
    again, again_json = charts.cached_figure(lambda: build("a"), ("test", "viewer-a", 1))
    other, other_json = charts.cached_figure(lambda: build("b"), ("test", "viewer-b", 1))
    assert built == ["a", "b"]
    assert again is first and again_json == first_json
    assert other is not first and '"b"' in other_json and '"b"' not in first_json
    assert list(first.to_dict()["data"][0]["x"]) == ["a"]


def test_a_cached_figure_is_the_built_one_drawn_as_built() -> None:
    """The builder's figure is kept itself (no second validation of every property) and
    draws and downloads as it was built."""
    made: list[go.Figure] = []

    def build() -> go.Figure:
        fig = go.Figure(go.Bar(x=["甲", "乙"], y=[1, 2]))
        fig.update_layout(title={"text": "原样"})
        made.append(fig)
        return fig

    expected = go.Figure(go.Bar(x=["甲", "乙"], y=[1, 2])).update_layout(title={"text": "原样"})
    fig, fig_json = charts.cached_figure(build, ("test", "as built", 1))
    assert fig is made[0] and isinstance(fig, go.Figure)
    assert fig.to_dict() is fig.to_dict()  # made once, handed to every draw
    assert fig_json == expected.to_json()
    assert fig.layout.title.text == "原样"


def test_the_shared_registry_is_handed_out_as_copies(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    engine = db.connect(url)
    row = {"parent_code": None, "category": "党政机关", "aliases": "", "retired": False}
    with engine.begin() as conn:
        conn.execute(
            insert(units),
            [
                {**row, "code": "01", "name": "示范市", "level": 1, "sort_order": 0},
                {**row, "code": "0101", "name": "一县", "level": 2, "sort_order": 1},
            ],
        )
    repo.set_settings(engine, {"campaign_name": "共享缓存测试"})
    token = repo.data_version(engine)
    shared = state.shared_units(url, token, False)
    assert state.shared_units(url, token, False) is shared  # made once for this data version
    mine = shared.copy(deep=False)  # what state.units() returns
    mine["name"] = "改过"
    assert list(mine["name"]) == ["改过", "改过"]
    assert list(shared["name"]) == ["示范市", "一县"]
    settings = state.shared_settings(url, token)
    assert settings["campaign_name"] == "共享缓存测试"
    repo.set_settings(engine, {"campaign_name": "新名称"})
    assert state.shared_settings(url, repo.data_version(engine))["campaign_name"] == "新名称"
    engine.dispose()


def test_kept_objects_are_bounded_by_their_cost_not_their_count() -> None:
    """Many small objects fit where a count bound would evict them; a large one pushes out the
    least recently used; the newest is kept however large; a read makes an object recent."""
    kept: Kept[list[int]] = Kept(1_000, len)
    for i in range(100):  # a hundred subtrees of 9 rows: 900 in all, every one kept
        kept.put(f"small{i}", [0] * 9)
    assert len(kept) == 100 and kept.held == 900
    assert kept.get("small0") is not None  # read: now the most recent
    kept.put("city", [0] * 600)  # the least recently used small ones make room
    assert "city" in kept and "small0" in kept and "small1" not in kept
    assert kept.held <= 1_000
    kept.drop(lambda key: str(key).startswith("small"))
    assert list(kept) == ["city"] and kept.held == 600
    kept.put("province", [0] * 5_000)  # alone over the budget: kept, everything else dropped
    assert list(kept) == ["province"] and kept.get("city") is None


def test_five_viewers_keep_their_city_computations(monkeypatch) -> None:
    """Each viewer's subtree has its own city-wide computation: nine kept side by side
    (the count of 8 kept before thrashed), made once each; a new version of a week drops
    that week's older ones and leaves the other weeks' (each week has its own version),
    a new registry or settings drops them all."""
    import pandas as pd

    from dashboard.ui import report_cache

    class City:
        def __init__(self, rows: int) -> None:
            self.panel = pd.DataFrame({"unit": range(rows)})

    rows: Kept[City] = Kept(10 * 3_120, lambda city: len(city.panel))  # ten demo weeks
    monkeypatch.setattr(report_cache, "SHARED", rows)
    made: list[str] = []

    def get(viewer: str, version: str, week: str = "W8") -> City:
        def make() -> City:
            made.append(f"{viewer}@{version}")
            return City(3_120)  # the demo city's week: its panel's rows

        return report_cache.shared(("week", "db", version, week, viewer), make)

    first = [get(f"v{i}", "r1|W8:1") for i in range(9)]
    again = [get(f"v{i}", "r1|W8:1") for i in range(9)]
    assert made == [f"v{i}@r1|W8:1" for i in range(9)]
    assert all(a is b for a, b in zip(first, again, strict=True))
    earlier = get("v0", "r1|W7:0", week="W7")
    get("v0", "r1|W8:2")  # a write of week 8: week 7's computation stays
    assert list(report_cache.SHARED) == [
        ("week", "db", "r1|W7:0", "W7", "v0"),
        ("week", "db", "r1|W8:2", "W8", "v0"),
    ]
    assert get("v0", "r1|W7:0", week="W7") is earlier
    assert report_cache.SHARED.held == 2 * 3_120
    get("v0", "r2|W8:2")  # the registry or the settings changed: every week's is outdated
    assert list(report_cache.SHARED) == [("week", "db", "r2|W8:2", "W8", "v0")]
    assert report_cache.SHARED_BUDGET_ROWS >= 9 * 3_120 * 5  # the process's own: far more


def test_a_view_part_is_made_once_per_view_and_name() -> None:
    from dashboard.ui import report_cache

    made: list[tuple[str, str]] = []

    def make(token: str, name: str) -> str:
        made.append((token, name))
        return f"{token}:{name}"

    first = report_cache.view_part(("view", "a"), "催报", lambda: make("a", "催报"))
    again = report_cache.view_part(("view", "a"), "催报", lambda: make("a", "催报"))
    other = report_cache.view_part(("view", "a"), "其他", lambda: make("a", "其他"))
    another = report_cache.view_part(("view", "b"), "催报", lambda: make("b", "催报"))
    assert first == again == "a:催报" and other == "a:其他" and another == "b:催报"
    assert made == [("a", "催报"), ("a", "其他"), ("b", "催报")]


def test_outside_a_script_run_nothing_is_kept_per_run() -> None:
    """``state.per_run`` keeps a value for the run that asked; with no run (the CLI, a
    thread of its own) every call makes it again."""
    calls: list[int] = []
    assert state.per_run("k", lambda: calls.append(1) or len(calls)) == 1
    assert state.per_run("k", lambda: calls.append(1) or len(calls)) == 2
