"""The .xlsx download helper writes every cell safely (no formulas from user text)."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from dashboard.ui import tables


def test_xlsx_bytes_neutralises_formulas_and_keeps_values() -> None:
    frame = pd.DataFrame(
        {
            "单位名称": ["=1+1", "+SUM(A1)", "-3", "@cmd", "\tx", "\ry", "甲村"],
            "落后原因": [["未报送", "停滞"], [], ["两张皮"], [], [], [], []],
            "热度": [1.5, np.nan, 3.0, 4.0, 5.0, 6.0, 7.0],
            "排名": pd.array([1, None, 3, 4, 5, 6, 7], dtype="Int64"),
            "报告周": pd.to_datetime(["2023-10-27"] * 7),
        }
    )
    book = load_workbook(io.BytesIO(tables.xlsx_bytes(frame, sheet="落后单位")))
    ws = book["落后单位"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("单位名称", "落后原因", "热度", "排名", "报告周")
    names = [r[0] for r in rows[1:]]
    assert names == ["'=1+1", "'+SUM(A1)", "'-3", "'@cmd", " x", " y", "甲村"]
    assert all(cell.data_type == "s" for cell in ws["A"][1:])
    assert rows[1][1] == "未报送、停滞"
    assert rows[2][2] is None and rows[2][3] is None  # missing stays empty, not 0 or "nan"
    assert rows[1][3] == 1
    assert rows[1][4].date() == dt.date(2023, 10, 27)
    assert ws.page_setup.fitToWidth == 1 and ws.print_title_rows == "$1:$1"


def test_readable_names_columns_in_chinese() -> None:
    frame = pd.DataFrame(
        {
            "code": ["01"],
            "heat": [80.0],
            "status": ["red"],
            "reasons": [["未报送"]],
            "inc_problems_closed": [3],
            "report_date": pd.to_datetime(["2023-10-27"]),
        }
    )
    view = tables.readable(frame)
    assert list(view.columns) == [
        "单位编码",
        "热度指数",
        "分档",
        "落后原因",
        "已整改销号问题数（本周新增）",
        "报告周",
    ]
    assert view.iloc[0]["分档"] == "红"
    assert view.iloc[0]["落后原因"] == "未报送"
    assert view.iloc[0]["报告周"] == dt.date(2023, 10, 27)
