"""Issue 16: a six-level registry (grids with households' groups under them) reads, counts its
levels, draws its treemap at any depth and indents the template five steps."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from dashboard.core.registry import level_counts
from dashboard.core.units import UnitTree
from dashboard.export import template
from dashboard.export.registry_chart import registry_treemap
from dashboard.ingest.registry_file import parse_registry
from tests.registries import FIVE_CATEGORIES, five_level_rows, registry_xlsx

SIX_NAMES = ["市级", "县级", "乡镇级", "村级", "网格级", "楼栋级"]


def six_level_rows() -> list[list[object]]:
    rows = five_level_rows(counties=2, towns=2, villages=1, grids=2)
    grids = [row for row in rows if row[3] == "村民小组(网格)"]
    for grid in grids:
        rows.append([f"{grid[0]}1", f"{grid[1]}一号楼", grid[0], "村民小组(网格)", "", "", ""])
    return rows


def test_six_levels_read_count_draw_and_indent() -> None:
    registry = parse_registry("六级名册.xlsx", registry_xlsx(six_level_rows()), FIVE_CATEGORIES)
    assert registry.ok, registry.problems
    assert registry.depth == 6
    units = registry.frame
    counts = level_counts(units, SIX_NAMES[:4])
    assert list(counts["层级"]) == [*SIX_NAMES[:4], "第5级", "第6级"]
    assert list(level_counts(units, SIX_NAMES)["层级"]) == SIX_NAMES
    tree = UnitTree(units)
    deepest = units.loc[units["level"] == 6, "code"].iloc[0]
    assert len(tree.ancestors(deepest)) == 5
    fig = registry_treemap(units, SIX_NAMES, "六级名册", max_depth=6)
    trace = fig.data[0]
    assert len(trace.ids) == len(units) and trace.maxdepth == 6
    assert any("楼栋级" in text for text in trace.hovertext)
    sheet = load_workbook(io.BytesIO(template.template_bytes(units, dt.date(2023, 10, 27))))["周报"]
    indents = {
        sheet.cell(r, 1).value: sheet.cell(r, 2).alignment.indent
        for r in range(4, sheet.max_row + 1)
    }
    assert indents[deepest] == 5 and indents["5"] == 0
    # a template for one county: its own top is not indented
    county = template.template_bytes(units, dt.date(2023, 10, 27), scope="501")
    first = load_workbook(io.BytesIO(county))["周报"].cell(4, 2)
    assert first.value == "云岭1县" and first.alignment.indent == 0
