"""退回修改表: the sender's own workbook with every problem marked, ready to send back.

Errors are filled red, warnings yellow, each with a cell comment in Chinese saying what is
wrong and what to do; a problem about a whole row marks the unit's cell.  A first sheet
"退回说明" lists every problem (also those about the whole file).  .xlsx/.xlsm are loaded
as they are (formatting kept, macros dropped); .xls, .csv and other formats are rebuilt
from the cells the reader saw.
"""

from __future__ import annotations

import dataclasses
import io
import pickle
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from dashboard.core.problems import Problem
from dashboard.export.cells import safe_cell_text, safe_cell_value
from dashboard.export.workbook import fit_for_print
from dashboard.ingest import formats, sandbox
from dashboard.ingest.reader import parse_workbook
from dashboard.ingest.worker import limit_resources

__all__ = [
    "ANNOTATE_TIMEOUT_S",
    "AUTHOR",
    "MARK_UP_TO_BYTES",
    "MAX_COMMENTS",
    "MAX_SUMMARY_ROWS",
    "RED",
    "SUMMARY_SHEET",
    "YELLOW",
    "annotate",
    "returned_name",
    "returned_workbook",
    "summary_only",
]

RED = PatternFill("solid", fgColor="FFC7CE")
YELLOW = PatternFill("solid", fgColor="FFEB9C")
AUTHOR = "主题教育办"
SUMMARY_SHEET = "退回说明"
MAX_COMMENTS = 2_000  # beyond this, cells are only coloured (comments make huge, slow files)
MAX_SUMMARY_ROWS = 10_000
_SEVERITY = {"error": "错误", "warning": "提醒"}


def returned_name(file_name: str) -> str:
    return f"{PurePath(file_name).stem}_退回修改表.xlsx"


ANNOTATE_TIMEOUT_S = 120.0
MARK_UP_TO_BYTES = 8 * 1024 * 1024  # larger files get the 退回说明 sheet alone


@dataclass
class _Checked:
    """What the worker knows of a checked file: enough to mark it up."""

    file: str
    format: str | None
    problems: list[Problem]
    workbook: Any = None
    dropped: dict[tuple[str, str], int] = field(default_factory=dict)
    status: str = ""  # rejected: the summary says the whole file was not taken
    sheets: list[str] = field(default_factory=list)  # sheets read, in order (problem order)


def returned_workbook(result: Any, content: bytes, password: str | None = None) -> bytes:
    """The 退回修改表 of a checked ``FileResult``, made in a sandboxed child process.

    The sender's workbook is opened again there (the check keeps no cells), under the
    reader's memory limit and a time limit: however large or hostile the file, the app
    process only receives the finished bytes. Raises ``ReadError`` when it cannot be made.
    """
    problems = [dataclasses.astuple(p) for p in result.problems]
    dropped = dict(getattr(result, "dropped", {}) or {})
    extra = (str(getattr(result, "status", "")), list(getattr(result, "sheets", []) or []))
    request = pickle.dumps(
        (result.file, result.format, bytes(content), password, problems, dropped, extra),
        protocol=5,
    )
    made = sandbox.run_once("dashboard.ingest.annotate", request, ANNOTATE_TIMEOUT_S)
    if not made.startswith(b"PK"):
        raise formats.err_worker_crash()
    return made


def _serve_once() -> None:
    """The child's side of ``returned_workbook``: one request on stdin, the xlsx on stdout."""
    limit_resources()
    request = pickle.loads(sys.stdin.buffer.read())
    file_name, fmt, content, password, problems, dropped, (status, sheets) = request
    checked = _Checked(
        file_name, fmt, [Problem(*p) for p in problems], None, dropped, status, sheets
    )
    if len(content) > MARK_UP_TO_BYTES:
        made = summary_only(checked)
    else:
        if fmt not in ("xlsx", "xlsm"):
            checked.workbook = parse_workbook(file_name, content, password)
        made = annotate(checked, content, password)
    sys.stdout.buffer.write(made)
    sys.stdout.buffer.flush()


def summary_only(result: Any) -> bytes:
    """The 退回说明 sheet alone (for files too large to mark up cell by cell)."""
    book = Workbook()
    book.remove(book.active)
    _summary(book, result)
    book[book.sheetnames[0]]["A3"] = (
        "文件较大，本表只列出问题清单，未在原表中逐格标注。请按“工作表、行、列”找到对应单元格修改。"
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def annotate(result: Any, content: bytes, password: str | None = None) -> bytes:
    """The annotated workbook (xlsx bytes) for a checked ``FileResult``, made in THIS process
    (``returned_workbook`` runs it in a sandboxed child)."""
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
    book.remove(book.active)
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
    dropped: dict[tuple[str, str], int] = dict(getattr(result, "dropped", {}) or {})
    problems = sorted(result.problems, key=_order(result))
    ws.append([safe_cell_text(_lead(problems, result, dropped))])
    ws.append([])
    ws.append(["工作表", "行", "单位", "列", "填写的值", "级别", "问题与修改办法"])
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for p in problems[:MAX_SUMMARY_ROWS]:
        whole = p.sheet is None or p.row is None
        ws.append(
            [
                safe_cell_value(v)
                for v in (
                    "（整个文件）" if whole else p.sheet,
                    "—" if whole else p.row,
                    getattr(p, "unit", None),
                    p.column,
                    p.value,
                )
            ]
            + [_SEVERITY[p.severity], safe_cell_text(p.message, keep_line_breaks=True)]
        )
        ws.cell(row=ws.max_row, column=6).fill = RED if p.severity == "error" else YELLOW
    for (severity, code), n in sorted(dropped.items()):
        ws.append(
            ["（未逐条列出）", None, None, None, None, _SEVERITY[severity],
             f"另有 {n:,} 处同类问题（{code}）"]
        )  # fmt: skip
    if len(problems) > MAX_SUMMARY_ROWS:
        ws.append([f"……另有 {len(problems) - MAX_SUMMARY_ROWS} 处问题未列出，请先修改以上问题"])
    if len(problems) > MAX_COMMENTS:
        ws["A3"] = f"问题较多，仅前 {MAX_COMMENTS} 处单元格附有批注，其余只标了颜色。"
    for letter, width in zip("ABCDEFG", (14, 6, 16, 18, 14, 6, 70), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=5, max_col=6):
        for cell in row:
            cell.alignment = Alignment(
                vertical="top", horizontal="center" if cell.column == 2 else None
            )
    ws.merge_cells("A2:G2")  # the lead line wraps over the table's width
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 15 * -(-_display_width(str(ws["A2"].value)) // 150)
    for (cell,) in ws.iter_rows(min_row=5, min_col=7, max_col=7):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        # Excel and LibreOffice do not grow a row for wrapped text on opening: set it.
        lines = -(-_display_width(str(cell.value or "")) // _MESSAGE_WIDTH)
        if lines > 1:
            ws.row_dimensions[cell.row].height = 15 * lines
    fit_for_print(ws, title_rows="4:4")  # the message column must not print on a page alone
    book.active = 0
    for sheet in book.worksheets[1:]:
        sheet.sheet_view.tabSelected = False


_FILE_WIDE = ("duplicate_column",)  # errors about a column that stop the whole file


_MESSAGE_WIDTH = 78  # characters of the message column (width 70) a line holds, measured


def _display_width(text: str) -> int:
    """Width in Excel units: a Chinese character takes two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _lead(problems: list[Problem], result: Any, dropped: dict[tuple[str, str], int]) -> str:
    """The line under the title: a file not taken at all says so, and why."""
    errors = sum(1 for p in problems if p.severity == "error")
    errors += sum(n for (severity, _), n in dropped.items() if severity == "error")
    warnings = len(problems) + sum(dropped.values()) - errors
    status = getattr(result, "status", "")
    counts = f"（共错误 {errors} 处、提醒 {warnings} 处）"
    whole = [
        p
        for p in problems
        if p.severity == "error" and (p.sheet is None or p.row is None or p.code in _FILE_WIDE)
    ]
    if whole:
        reason = whole[0].message.rstrip("。")
        return f"本文件整体未能入库：{reason}。请按下表修改后重新报送整个文件{counts}。"
    if status == "rejected":
        return f"本文件每一行都有错误，整个文件未能入库。请按批注逐项修改后重新报送{counts}。"
    return (
        f"共发现错误 {errors} 处（红色）、提醒 {warnings} 处（黄色）。"
        "请按批注逐项修改后重新报送；标红的行本次未入库。"
    )


def _order(result: Any) -> Any:
    """Whole-file problems first, then by sheet (in the file's order) and row."""
    sheets = {name: i for i, name in enumerate(getattr(result, "sheets", []) or [])}

    def key(p: Problem) -> tuple[int, int, int]:
        if p.sheet is None or p.row is None:
            return (0, 0, 0)
        return (1, sheets.get(p.sheet, len(sheets)), p.row)

    return key


if __name__ == "__main__":
    _serve_once()
