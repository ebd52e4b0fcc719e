"""The per-process caches behind warm page views: built once per key, never shared across
keys, and what callers get cannot change what other sessions see."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
from sqlalchemy import insert

from dashboard.store import db, repo
from dashboard.store.schema import units
from dashboard.ui import charts, state


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
