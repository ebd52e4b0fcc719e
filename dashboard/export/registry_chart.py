"""The registry as a treemap: each box a unit, nested under its parent."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.core.settings import level_name
from dashboard.export import theme

__all__ = ["registry_treemap"]


def registry_treemap(
    units: pd.DataFrame, level_names: list[str], title: str, max_depth: int = 3
) -> go.Figure:
    """Box size = number of units in the subtree; colour = level.  Click a box to zoom in."""
    codes = units["code"].astype(str).tolist()
    known = set(codes)
    parents = [p if isinstance(p, str) and p in known else "" for p in units["parent_code"]]
    hover = [
        f"{name}<br>编码 {code}<br>{level_name(int(level), level_names)} · {category}"
        for code, name, level, category in zip(
            codes, units["name"], units["level"], units["category"], strict=True
        )
    ]
    fig = go.Figure(
        go.Treemap(
            ids=codes,
            labels=units["name"].astype(str).tolist(),
            parents=parents,
            values=[1] * len(codes),
            branchvalues="remainder",
            maxdepth=max_depth,
            hovertext=hover,
            hoverinfo="text",
            marker={
                "colors": units["level"].astype(int).tolist(),
                "colorscale": [[0.0, theme.PALETTE[0]], [1.0, "#F5D7D3"]],
            },
            textinfo="label",
        )
    )
    theme.finish(fig, title, height=560)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return fig
