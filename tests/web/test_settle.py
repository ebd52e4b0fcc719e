"""The served process's lifespan leaves what it holds for good out of the full collections
(in a process of its own: a frozen test process would keep its garbage)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc
from dashboard.web import settle
frozen = settle.settle()
import dashboard.ui.report_cache, dashboard.export.charts, plotly.graph_objects
print(frozen, len(gc.get_objects()), gc.get_threshold()[0])
"""


def test_settle_freezes_the_imports_and_collects_the_young_less_often() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    frozen, tracked, threshold = done.stdout.split()[-3:]
    assert int(frozen) > 100_000  # streamlit, pandas, plotly and the board's modules
    assert int(tracked) < 5_000  # a full collection now walks almost nothing
    assert int(threshold) == 10_000
