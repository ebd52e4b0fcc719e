"""Tables on the board pages: Chinese column names, a bounded on-screen view, and an .xlsx
download of the whole table (written safely: text that Excel would run as a formula is
prefixed with ')."""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence

import pandas as pd
import streamlit as st
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from dashboard.core import heat
from dashboard.core.catalogue import INDICATORS, RATES
from dashboard.export.cells import safe_cell_value
from dashboard.export.workbook import fit_for_print
from dashboard.ui import session

__all__ = [
    "COLUMN_LABELS",
    "HOLD",
    "MAX_HOLD_ROWS",
    "MAX_READABLE",
    "MAX_ROWS_ON_SCREEN",
    "SHOWN_IN_FULL",
    "STATUS_TEXT",
    "hold_back_editor",
    "parse_row_numbers",
    "problems_table",
    "readable",
    "show_table",
    "xlsx_bytes",
]

MAX_ROWS_ON_SCREEN = 300

COLUMN_LABELS: dict[str, str] = {
    "code": "单位编码",
    "unit_code": "单位编码",
    "name": "单位名称",
    "level": "层级",
    "level_name": "层级",
    "category": "类别",
    "parent_code": "上级编码",
    "parent_name": "上级单位",
    "reported": "本周已报",
    "missing_weeks": "连续未报周数",
    "heat": "热度指数",
    "pool": "比较组",
    "pool_size": "组内单位数",
    "rank": "组内排名",
    "rank_change": "名次变化",
    "previous_heat": "上周热度",
    "status": "分档",
    "stalled": "停滞",
    "reasons": "落后原因",
    "severity": "严重程度",
    "details": "具体情况",
    "reason_details": "具体情况",
    "report_date": "报告周",
    "reading_coverage": "读书班覆盖率",
    "has_reading": "已办读书班",
    **{
        col: f"{label}分"
        for col, label in zip(heat.COMP_COLUMNS, heat.COMPONENTS.values(), strict=True)
    },
    **{ind.code: f"{ind.label}（{ind.unit}）" for ind in INDICATORS},
    **{f"cur_{ind.code}": f"{ind.label}（累计）" for ind in INDICATORS},
    **{f"inc_{ind.code}": f"{ind.label}（本周新增）" for ind in INDICATORS},
    **{r.code: r.label for r in RATES},
}
STATUS_TEXT: dict[str, str] = {"green": "绿", "yellow": "黄", "red": "红"}


def _cell(value: object) -> object:
    """A value openpyxl can write, never a formula (the export layer's guard)."""
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, (list, tuple)):
        value = "、".join(str(v) for v in value)
    return safe_cell_value(value)


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "数据") -> bytes:
    """The frame as an .xlsx workbook (header row + values), formula-safe."""
    book = Workbook()
    ws = book.active
    ws.title = sheet[:31] or "数据"
    ws.append([_cell(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in row])
    for idx, column in enumerate(frame.columns, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = max(
            10, min(40, len(str(column)) * 2 + 2)
        )
    ws.freeze_panes = "A2"
    fit_for_print(ws, landscape=len(frame.columns) > 6)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def readable(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Pick ``columns`` and give them Chinese headers; lists become 、-joined text, status 红黄绿."""
    view = frame[list(columns)] if columns is not None else frame
    view = view.copy()
    for col in view.columns:
        if view[col].dtype == object and len(view) and isinstance(view[col].iloc[0], list):
            view[col] = view[col].map(
                lambda v: "、".join(map(str, v)) if isinstance(v, list) else v
            )
    for col in view.columns:
        if pd.api.types.is_datetime64_any_dtype(view[col]):
            view[col] = view[col].dt.date
    if "status" in view.columns:
        view["status"] = view["status"].map(STATUS_TEXT).fillna(view["status"])
    names = {**COLUMN_LABELS, **(labels or {})}
    return view.rename(columns={c: names.get(c, c) for c in view.columns})


def show_table(
    frame: pd.DataFrame,
    name: str,
    key: str,
    columns: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    max_rows: int = MAX_ROWS_ON_SCREEN,
    *,
    cache: Hashable | None = None,
) -> None:
    """Draw ``frame`` (``columns`` of it, with Chinese headers) and a download button for the
    whole of it as .xlsx.

    At most ``max_rows`` rows are drawn and made readable on a rerun; the workbook holds
    every row and is only written when the button is clicked. With ``cache`` (a key naming
    everything the frame depends on) the readable rows are made once per process.
    """
    shown = (
        _readable_once((key, cache, max_rows), frame.head(max_rows), columns, labels)
        if cache is not None
        else readable(frame.head(max_rows), columns, labels)
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        placeholder="",  # a missing value is an empty cell, never the word "None"
    )
    if len(frame) > max_rows:
        st.caption(f"共 {len(frame):,} 行，页面显示前 {max_rows} 行，完整表格请下载。")
    st.download_button(
        f"下载“{name}”（Excel）",
        data=session.audited(
            lambda: xlsx_bytes(readable(frame, columns, labels), sheet=name),
            "download",
            f"{name}.xlsx",
        ),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
    )


MAX_READABLE = 128
_READABLE: OrderedDict[Hashable, pd.DataFrame] = OrderedDict()
_READABLE_LOCK = threading.Lock()


def _readable_once(
    cache: Hashable,
    frame: pd.DataFrame,
    columns: Sequence[str] | None,
    labels: Mapping[str, str] | None,
) -> pd.DataFrame:
    """``readable`` made once per process for ``cache`` (shared: only drawn, never changed)."""
    with _READABLE_LOCK:
        if cache in _READABLE:
            _READABLE.move_to_end(cache)
            return _READABLE[cache]
    made = readable(frame, columns, labels)
    with _READABLE_LOCK:
        _READABLE[cache] = made
        while len(_READABLE) > MAX_READABLE:
            _READABLE.popitem(last=False)
    return made


# --- the upload page's tables ----------------------------------------------------------------
SHOWN_IN_FULL = 60  # up to this many problems are drawn as a static table with whole messages
HOLD = "暂缓入库"
MAX_HOLD_ROWS = 500  # rows listed for holding back besides every row with a warning


def problems_table(frame: pd.DataFrame, key: str) -> None:
    """A file's problems: a static table (messages wrap, never cut off) when few, else a
    scrolling grid with the message column widest and the whole list as .xlsx."""
    if len(frame) <= SHOWN_IN_FULL:
        st.table(frame, hide_index=True)
        return
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "工作表": st.column_config.TextColumn(width="small"),
            "行": st.column_config.TextColumn(width="small"),
            "级别": st.column_config.TextColumn(width="small"),
            "值": st.column_config.TextColumn(width="small"),
            "问题": st.column_config.TextColumn(width=900),
        },
    )
    st.caption(
        f"共 {len(frame):,} 处问题；单元格过窄时可将鼠标停在问题上查看全文，或下载完整清单。"
    )
    st.download_button(
        "下载问题清单（Excel）",
        data=session.audited(
            lambda: xlsx_bytes(frame, sheet="问题清单"), "download", "问题清单.xlsx"
        ),
        file_name="问题清单.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_problems_xlsx",
        on_click="ignore",
    )


def hold_back_editor(rows: pd.DataFrame, key: str) -> set[tuple[str, int]]:
    """Rows to store with a 暂缓入库 tick box each (rows with a warning first); returns the
    (sheet, row) of the rows ticked.  Rows beyond the listed ones can be held back by
    their row numbers."""
    listed = rows if len(rows) <= MAX_HOLD_ROWS else rows[rows["提醒"] != ""]
    if len(listed) < len(rows) and len(listed) < MAX_HOLD_ROWS:
        rest = rows[rows["提醒"] == ""].head(MAX_HOLD_ROWS - len(listed))
        listed = pd.concat([listed, rest])
    frame = listed.assign(**{HOLD: False})[[HOLD, *listed.columns]]
    edited = st.data_editor(
        frame,
        hide_index=True,
        width="stretch",
        disabled=[c for c in frame.columns if c != HOLD],
        column_config={
            HOLD: st.column_config.CheckboxColumn(help="勾选的行本次不入库，列入退回修改表"),
            "提醒": st.column_config.TextColumn(width="large"),
        },
        key=f"{key}_hold",
    )
    held = {
        (str(sheet), int(row))
        for sheet, row, hold in zip(edited["工作表"], edited["行"], edited[HOLD], strict=True)
        if hold
    }
    if len(listed) < len(rows):
        st.caption(f"共 {len(rows):,} 行，上表列出有提醒的行和前面的行。其余行可按行号暂缓：")
        typed = st.text_input(
            "按行号暂缓入库（如 12, 15-18；多个工作表时写“工作表名:行号”）",
            key=f"{key}_hold_rows",
        )
        held |= parse_row_numbers(typed, rows)
    return held


def parse_row_numbers(text: str, rows: pd.DataFrame) -> set[tuple[str, int]]:
    """``12, 15-18`` (or ``周报:12``) as the (sheet, row) pairs of ``rows`` they name."""
    present = set(zip(rows["工作表"].astype(str), rows["行"].astype(int), strict=True))
    sheets = list(dict.fromkeys(rows["工作表"].astype(str)))
    found: set[tuple[str, int]] = set()
    for part in text.replace("，", ",").replace("、", ",").split(","):
        part = part.strip().replace("：", ":")
        if not part:
            continue
        sheet_names = sheets
        if ":" in part:
            name, part = part.rsplit(":", 1)
            sheet_names = [name.strip()]
        first, _, last = part.replace("－", "-").partition("-")
        try:
            lo = int(first)
            hi = int(last) if last else lo
        except ValueError:
            continue
        for sheet in sheet_names:
            found |= {(sheet, r) for r in range(lo, hi + 1) if (sheet, r) in present}
    return found
