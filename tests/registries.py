"""Synthetic registries of other cities, built in code (issue 16): a five-level city with its
own category list and level names, and a three-level county.  Both carry 联络人/联系电话."""

from __future__ import annotations

import io

from openpyxl import Workbook

HEADER = ["单位编码", "单位名称", "上级单位编码", "类别", "别名", "联络人", "联系电话"]

FIVE_LEVEL_NAMES = ["市级", "县级", "乡镇级", "村级", "网格级"]
FIVE_CATEGORIES = ["党政机关", "乡镇（街道）", "村（社区）", "事业单位", "村民小组（网格）"]
THREE_LEVEL_NAMES = ["县级", "乡镇级", "村级"]
THREE_CATEGORIES = ["县直机关", "乡镇", "行政村"]

Row = list[object]


def five_level_rows(
    counties: int = 3, towns: int = 3, villages: int = 2, grids: int = 3
) -> list[Row]:
    """市 → 县 → 乡镇 → 村 → 村民小组（网格）, plus a 事业单位 under each county:
    with the defaults 1 + 3 + 3 + 9 + 18 + 54 = 88 units."""
    rows: list[Row] = [["5", "云岭市", "", "党政机关", "云岭", "李明", "0871-6000001"]]
    for c in range(1, counties + 1):
        county = f"5{c:02d}"
        rows.append(
            [county, f"云岭{c}县", "5", "党政机关", f"{c}县", f"县联络员{c}", f"1390000{c:04d}"]
        )
        rows.append([f"{county}99", f"云岭{c}县融媒体中心", county, "事业单位", "", "", ""])
        for t in range(1, towns + 1):
            town = f"{county}{t:02d}"
            rows.append([town, f"云岭{c}县第{t}镇", county, "乡镇（街道）", "", "", ""])
            for v in range(1, villages + 1):
                village = f"{town}{v:02d}"
                rows.append([village, f"{c}县{t}镇{v}村", town, "村（社区）", "", "", ""])
                for g in range(1, grids + 1):
                    rows.append(
                        [
                            f"{village}{g:02d}",
                            f"{c}县{t}镇{v}村第{g}网格",
                            village,
                            "村民小组(网格)",
                            "",
                            f"网格员{c}{t}{v}{g}",
                            f"1380000{c}{t}{v}{g}",
                        ]
                    )
    return rows


def three_level_rows(towns: int = 4, villages: int = 4) -> list[Row]:
    """县 → 乡镇 → 行政村 with the county's own three categories: 1 + 4 + 16 = 21 units."""
    rows: list[Row] = [["33", "青禾县", "", "县直机关", "", "王芳", "0571-1234567"]]
    for t in range(1, towns + 1):
        town = f"33{t:02d}"
        rows.append([town, f"青禾县第{t}乡", "33", "乡镇", "", "", ""])
        for v in range(1, villages + 1):
            rows.append([f"{town}{v:02d}", f"{t}乡{v}村", town, "行政村", "", "", ""])
    return rows


def registry_xlsx(rows: list[Row], header: list[str] = HEADER) -> bytes:
    """A registry workbook: a title row, the header, the rows (codes written as text)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "单位名册"
    sheet.append(["单位名册"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
