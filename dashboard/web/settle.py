"""What a served process holds for good is left out of Python's full garbage collections.

A full (oldest-generation) collection walks every object the collector tracks. After its
imports alone — Streamlit, pandas, pyarrow, plotly's validators, the board's modules — a
served process tracks about 200,000 of them, and each full collection walked them all:
measured here, 160–360 ms with the GIL held, several times a minute once fifty people read
the board, and every session waited meanwhile (the sporadic slow page). The served
process's lifespan (``dashboard/server.py``) imports what every page uses, collects once
and freezes (``gc.freeze``): those objects are never walked again. What the pages make and
drop later (reports, figures, tables) is collected as before; the price is that an object
frozen here that later became cyclic garbage would not be freed, and what is frozen here
is modules, classes and functions, which live as long as the process.

It also collects the youngest generation after 10,000 new objects instead of 700: a page
view makes tens of thousands (plotly builds a tree of objects per chart), so the default
ran a collection every few milliseconds of work and a full one every few page views. On
the subtree benchmark (``scripts/bench_subtree.py``, SQLite, office): collections took
1.7 s of the run with the defaults (4 full ones, 1.2 s), 0.9 s after the freeze, 0.5 s
with both (no full one; the longest pause ~15 ms).
"""

from __future__ import annotations

import gc
import importlib
import pkgutil

__all__ = ["LASTING_PACKAGES", "YOUNG_THRESHOLD", "settle"]

YOUNG_THRESHOLD = 10_000  # new objects between collections of the youngest generation

# the board's own code that every page run imports (not the page scripts, app.py or
# server.py: they run streamlit commands when imported)
LASTING_PACKAGES = (
    "dashboard.auth",
    "dashboard.core",
    "dashboard.entry",
    "dashboard.export",
    "dashboard.ingest",
    "dashboard.remind",
    "dashboard.store",
    "dashboard.ui",
    "dashboard.web",
)
_LASTING_MODULES = ("dashboard.door", "dashboard.navigation", "dashboard.bootstrap")


def settle() -> int:
    """Import what the pages use, make a figure (plotly loads its template on the first),
    collect, freeze what is left and raise the youngest generation's threshold: returns how
    many objects were frozen."""
    names = list(_LASTING_MODULES)
    for package in LASTING_PACKAGES:
        module = importlib.import_module(package)
        names += [
            info.name for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}.")
        ]
    for name in names:
        importlib.import_module(name)
    import plotly.graph_objects as go

    go.Figure(go.Bar(x=[0], y=[0])).to_dict()
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)
    return gc.get_freeze_count()
