"""退回修改表: the sender's own workbook with every problem marked, ready to send back.

Errors are filled red, warnings yellow, each with a cell comment in Chinese saying what is
wrong and what to do; a problem about a whole row marks the unit's cell.  A first sheet
"退回说明" lists every problem (also those about the whole file).  .xlsx/.xlsm are loaded
as they are (formatting kept, macros dropped); .xls, .csv and other formats are rebuilt
from the cells the reader saw.
"""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import PurePath
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from dashboard.export.cells import safe_cell_text, safe_cell_value
from dashboard.export.workbook import fit_for_print
from dashboard.ingest.problems import Problem

RED = PatternFill("solid", fgColor="FFC7CE")
YELLOW = PatternFill("solid", fgColor="FFEB9C")
AUTHOR = "主题教育办"
SUMMARY_SHEET = "退回说明"
MAX_COMMENTS = 2_000  # beyond this, cells are only coloured (comments make huge, slow files)
MAX_SUMMARY_ROWS = 10_000
_SEVERITY = {"error": "错误", "warning": "提醒"}


def returned_name(file_name: str) -> str:
    return f"{PurePath(file_name).stem}_退回修改表.xlsx"


def annotate(result: Any, content: bytes, password: str | None = None) -> bytes:
    """The annotated workbook (xlsx bytes) for a checked ``FileResult``."""
    book = _open(result, content, password)
    marks: dict[tuple[str, int, int], list[Problem]] = defaultdict(list)
    for problem in result.problems:
        if problem.sheet is None or problem.row is None:
            continue
        col = problem.col_index if problem.col_index is not None else 0
        marks[(problem.sheet, problem.row, col)].append(problem)
    for n, ((sheet, row, col), problems) in enumerate(marks.items()):
        if sheet in book.sheetnames:
            _mark(book[sheet], row, col, problems, comment=n < MAX_COMMENTS)
    _summary(book, result)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _open(result: Any, content: bytes, password: str | None) -> Workbook:
    fmt = getattr(result, "format", None)
    if fmt in ("xlsx", "xlsm"):
        data = _decrypted(content, password)
        try:
            return load_workbook(io.BytesIO(data), keep_vba=False, rich_text=False)
        except Exception:  # noqa: BLE001 - anything openpyxl cannot open is rebuilt below
            pass
    return _rebuild(result)


def _decrypted(content: bytes, password: str | None) -> bytes:
    if not content.startswith(b"\xd0\xcf\x11\xe0"):
        return content
    import msoffcrypto

    office = msoffcrypto.OfficeFile(io.BytesIO(content))
    office.load_key(password=password or "")
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()


def _rebuild(result: Any) -> Workbook:
    """An xlsx made from the reader's cells (text stays text: no formula is ever created)."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    source = getattr(result, "workbook", None)
    for sheet in getattr(source, "sheets", []) or []:
        ws = book.create_sheet(_safe_title(sheet.name, book.sheetnames))
        if not sheet.visible:
            ws.sheet_state = "hidden"
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                if isinstance(value, str):  # the sender's text, kept as text
                    value = ILLEGAL_CHARACTERS_RE.sub(" ", value)
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
        for first_row, first_col, last_row, last_col in sheet.merged:
            ws.merge_cells(
                start_row=first_row + 1,
                start_column=first_col + 1,
                end_row=last_row + 1,
                end_column=last_col + 1,
            )
    return book


def _safe_title(name: str, taken: list[str]) -> str:
    title = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "Sheet"
    base, n = title, 1
    while title in taken:
        n += 1
        title = f"{base[:28]}({n})"
    return title


def _mark(ws: Worksheet, row: int, col: int, problems: list[Problem], comment: bool) -> None:
    cell = ws.cell(row=row, column=col + 1)
    if type(cell).__name__ == "MergedCell":
        return
    is_error = any(p.severity == "error" for p in problems)
    cell.fill = RED if is_error else YELLOW
    if not comment:
        return
    text = "\n".join(
        f"【{_SEVERITY[p.severity]}】{safe_cell_text(p.message, keep_line_breaks=True)}"
        for p in problems
    )
    note = Comment(text, AUTHOR)
    note.width = 320
    note.height = 40 + 20 * (len(text) // 18 + len(problems))
    cell.comment = note


def _summary(book: Workbook, result: Any) -> None:
    title = SUMMARY_SHEET if SUMMARY_SHEET not in book.sheetnames else f"{SUMMARY_SHEET}(2)"
    ws = book.create_sheet(title, 0)
    ws.append([safe_cell_text(f"退回修改表：{result.file}")])
    ws["A1"].font = Font(bold=True, size=14)
    errors = sum(1 for p in result.problems if p.severity == "error")
    warnings = len(result.problems) - errors
    ws.append(
        [
            f"共发现错误 {errors} 处（红色）、提醒 {warnings} 处（黄色）。"
            "请按批注逐项修改后重新报送；标红的行本次未入库。"
        ]
    )
    ws.append([])
    ws.append(["工作表", "行", "列", "填写的值", "级别", "问题与修改办法"])
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for p in result.problems[:MAX_SUMMARY_ROWS]:
        ws.append(
            [
                safe_cell_value(v)
                for v in (p.sheet or "（整个文件）", p.row, p.column, p.value)
            ]
            + [_SEVERITY[p.severity], safe_cell_text(p.message, keep_line_breaks=True)]
        )
        ws.cell(row=ws.max_row, column=5).fill = RED if p.severity == "error" else YELLOW
    if len(result.problems) > MAX_SUMMARY_ROWS:
        ws.append(
            [f"……另有 {len(result.problems) - MAX_SUMMARY_ROWS} 处问题未列出，请先修改以上问题"]
        )
    if len(result.problems) > MAX_COMMENTS:
        ws["A3"] = f"问题较多，仅前 {MAX_COMMENTS} 处单元格附有批注，其余只标了颜色。"
    for letter, width in zip("ABCDEF", (14, 6, 18, 14, 6, 80), strict=True):
        ws.column_dimensions[letter].width = width
    for (cell,) in ws.iter_rows(min_row=5, min_col=6, max_col=6):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    fit_for_print(ws, title_rows="4:4")  # the message column must not print on a page alone
    book.active = 0
    for sheet in book.worksheets[1:]:
        sheet.sheet_view.tabSelected = False
