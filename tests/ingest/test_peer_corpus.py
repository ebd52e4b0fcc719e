"""Every file of a reader's own test corpus (panics, OOM allocations, passwords, truncations,
.xlsb, .ods …) gets a clean answer: a Workbook or a ReadError with a known code, in bounded time,
and this process survives to read the next one."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.ingest import formats, sandbox
from dashboard.ingest.reader import ReadError
from dashboard.ingest.sandbox import read_workbook
from dashboard.ingest.workbook import Workbook

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "peer-corpus" / "calamine"
CODES = {"encrypted", "not_excel", "corrupt", "empty", "too_large"}
FORMATS = {"xlsx", "xlsm", "xls", "xlsb", "ods", "csv"}
CELL_TYPES = (str, int, float, bool, dt.date, dt.datetime)


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.is_file())


FILES = corpus_files()
PARENT = os.getpid()


@pytest.fixture(autouse=True, scope="module")
def _stop_workers() -> Iterator[None]:
    yield
    sandbox.shutdown()


def check_workbook(book: Workbook) -> None:
    assert book.format in FORMATS
    assert book.sheets
    for sheet in book.sheets:
        assert isinstance(sheet.name, str)
        assert isinstance(sheet.visible, bool)
        widths = {len(row) for row in sheet.rows}
        assert len(widths) <= 1, "rows of one sheet have the same width"
        for row in sheet.rows:
            for value in row:
                assert value is None or isinstance(value, CELL_TYPES), (sheet.name, value)
        for merge in sheet.merged:
            assert len(merge) == 4
            assert merge[0] <= merge[2] and merge[1] <= merge[3]


@pytest.mark.skipif(not FILES, reason=f"peer corpus not found at {CORPUS}")
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_corpus_file_gets_a_clean_answer(path: Path) -> None:
    started = time.monotonic()
    try:
        book = read_workbook(path.name, path.read_bytes())
    except ReadError as err:
        assert err.code in CODES
        assert any("\u4e00" <= ch <= "\u9fff" for ch in err.message)
    else:
        check_workbook(book)
    assert time.monotonic() - started < formats.WORKER_TIMEOUT_S + 15
    assert os.getpid() == PARENT  # the parse ran elsewhere; we are still here


@pytest.mark.skipif(not FILES, reason=f"peer corpus not found at {CORPUS}")
@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("pass_protected.xlsx", "encrypted"),
        ("pass_protected.xlsb", "encrypted"),
        ("pass_protected.ods", "encrypted"),
        ("too_small.xls", "not_excel"),
        ("issue_174.xlsx", "too_large"),
        ("issue252.xlsx", "corrupt"),
    ],
)
def test_known_rejections(name: str, code: str) -> None:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{name} not in the corpus")
    with pytest.raises(ReadError) as info:
        read_workbook(name, path.read_bytes())
    assert info.value.code == code
