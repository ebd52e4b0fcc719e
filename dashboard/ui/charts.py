"""Drawing a chart on a page (image downloads are added by the export work)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st


def show_chart(fig: go.Figure, name: str, key: str | None = None) -> None:
    """Draw ``fig``; ``name`` is the file stem used for downloads of this chart."""
    st.plotly_chart(fig, key=key or f"chart_{name}", width="stretch")
