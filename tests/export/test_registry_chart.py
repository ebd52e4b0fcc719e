"""The registry treemap: one box per unit, nested by parent."""

from __future__ import annotations

from dashboard.export.registry_chart import registry_treemap
from dashboard.ingest.registry_file import parse_registry
from tests.core.test_registry import GOOD, workbook


def test_treemap_nests_units_under_parents() -> None:
    frame = parse_registry("名册.xlsx", workbook(GOOD)).frame
    fig = registry_treemap(frame, ["市级", "县级", "乡镇级", "村级"], "青川市单位名册结构")
    trace = fig.data[0]
    assert trace.type == "treemap"
    assert list(trace.ids) == list(frame["code"])
    assert list(trace.parents) == ["", "01", "0101", "010101", "01"]
    assert "村级" in trace.hovertext[3]
    assert fig.layout.title.text == "青川市单位名册结构"
