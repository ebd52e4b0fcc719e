"""The registry import's list of changes as a workbook the office can check before it says yes."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook

from dashboard.export.workbook import write_sheet

__all__ = ["CHANGES_SHEET", "changes_file_name", "changes_xlsx"]

CHANGES_SHEET = "名册变动清单"


def changes_file_name(file_name: str) -> str:
    """``名册变动清单_青川市名册.xlsx`` for the uploaded ``青川市名册.xlsx``."""
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    return f"{CHANGES_SHEET}_{stem}.xlsx"


def changes_xlsx(changes: pd.DataFrame) -> bytes:
    """One sheet: every unit the import would change (see RegistrySummary.changes_frame)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = CHANGES_SHEET
    write_sheet(sheet, changes)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
