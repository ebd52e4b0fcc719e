"""Text is data in every workbook the board writes: no formula, no control character.

Hostile unit names (each formula prefix, with and without a leading tab, CR or LF) and a
hostile campaign name go through every writer: the weekly template, its split zip, the
briefing's Excel, a page's table download and the 退回修改表.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

from dashboard.core.report import build_report
from dashboard.export import template, workbook
from dashboard.export.cells import safe_cell_text, safe_cell_value
from dashboard.ingest import pipeline
from dashboard.ingest.annotate import annotate
from dashboard.ui.tables import xlsx_bytes
from tests.export.conftest import WEEK2, figures_frame, settings_values, units_frame
from tests.ingest.builders import seed_registry, template_return, xlsx

LEADS = ["=", "+", "-", "@", "\t=", "\r=", "\n=", " =", "\t+", "\r\n@"]
HOSTILE = [f'{lead}HYPERLINK("http://evil.example","x")' for lead in LEADS]


def _cells(content: bytes, only: str | None = None) -> list[object]:
    book = load_workbook(io.BytesIO(content))
    found = []
    for sheet in book.worksheets:
        if only is not None and sheet.title != only:
            continue
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                found.append(cell.value)
    return found


def _assert_safe(content: bytes, only: str | None = None) -> list[str]:
    texts = [v for v in _cells(content, only) if isinstance(v, str)]
    for text in texts:
        assert not text.lstrip().startswith(("=", "+", "-", "@")), text
        assert not any(ord(ch) < 32 and ch != "\n" for ch in text), repr(text)
    return texts


def _hostile_units() -> pd.DataFrame:
    frame = units_frame()
    for index, name in zip(range(1, len(frame)), HOSTILE, strict=False):
        frame.loc[index, "name"] = name
    frame.loc[len(frame) - 1, "name"] = "西\x07一\x1b村"
    return frame


@pytest.mark.parametrize("text", [*HOSTILE, "=1+1", "@SUM(A1)", "-2+3", "+1"])
def test_safe_cell_text_neutralises_every_lead(text: str) -> None:
    safe = safe_cell_text(text)
    assert safe.startswith("'") and "\t" not in safe and "\r" not in safe and "\n" not in safe


def test_plain_text_numbers_and_line_breaks_kept() -> None:
    assert safe_cell_text("东城县") == "东城县"
    assert safe_cell_text("第一行\n第二行", keep_line_breaks=True) == "第一行\n第二行"
    assert safe_cell_text("a\x00b\x1bc") == "a b c"
    assert safe_cell_value(-5) == -5 and safe_cell_value(None) is None


def test_template_and_split_zip_write_names_and_title_as_text() -> None:
    units = _hostile_units()
    prefix = '=HYPERLINK("http://evil.example","青川")'
    texts = _assert_safe(template.template_bytes(units, WEEK2, title_prefix=prefix))
    assert any("evil.example" in t for t in texts)  # kept, as text
    archive = zipfile.ZipFile(io.BytesIO(template.split_zip(units, WEEK2, title_prefix=prefix)))
    for name in archive.namelist():
        assert "/" not in name and not any(ord(ch) < 32 for ch in name)
        _assert_safe(archive.read(name))


def test_briefing_workbook_and_table_download() -> None:
    units = _hostile_units()
    report = build_report(units, figures_frame(), settings_values(city_name="=1+1"), WEEK2, None)
    _assert_safe(workbook.write_xlsx(report))
    _assert_safe(xlsx_bytes(pd.DataFrame({"单位": HOSTILE, "数": range(len(HOSTILE))})))


def test_returned_workbook_summary_and_rebuilt_cells(engine) -> None:
    """The summary sheet is ours: safe. An .xlsx keeps the sender's own sheet as it was (their
    formulas are theirs); a CSV is rebuilt from its cells, all of them written as text."""
    seed_registry(engine)
    rows = template_return([("0101", name, ["X"] * 14) for name in HOSTILE[:3]])
    day = dt.date(2023, 10, 27)
    content = xlsx(rows)
    result = pipeline.check_file(engine, "=evil\x07.xlsx", content, report_date=day)
    assert result.has_errors
    _assert_safe(annotate(result, content), only="退回说明")
    csv = "\n".join(",".join(str(c) if c is not None else "" for c in row) for row in rows)
    csv_bytes = csv.replace('"', "").encode("utf-8")
    result = pipeline.check_file(engine, "周报.csv", csv_bytes, report_date=day)
    assert result.has_errors
    _cells(annotate(result, csv_bytes))  # every cell text, none a formula
