"""A registry upload read the way a return is: by the sandboxed reader (size, zip-bomb,
entity and sheet-size checks; memory and time limits), then validated by the core."""

from __future__ import annotations

from collections.abc import Sequence

from dashboard.core.registry import Registry, parse_sheets, sheets_from_cells, unreadable
from dashboard.ingest import sandbox
from dashboard.ingest.formats import ReadError

__all__ = ["parse_registry"]


def parse_registry(
    file_name: str, content: bytes, categories: Sequence[str] | None = None
) -> Registry:
    """Read and validate a registry workbook (.xlsx, .xlsm, .xls, .xlsb, .ods or .csv).

    Never raises for content problems: check ``Registry.ok`` and ``Registry.problems``.
    """
    try:
        cells = sandbox.read_registry(file_name, content)
    except ReadError as exc:
        return unreadable(exc.message, file_name, exc.code)
    return parse_sheets(sheets_from_cells(cells), categories)
