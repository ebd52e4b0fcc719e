"""Hostile and broken uploads: each is a ReadError with a Chinese message, never a crash or hang."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
import zipfile
from collections.abc import Iterator

import openpyxl
import pytest

from dashboard.ingest import formats, sandbox
from dashboard.ingest.reader import ReadError
from dashboard.ingest.sandbox import read_workbook
from tests.ingest.test_reader import (
    MAIN_NS,
    openpyxl_bytes,
    return_workbook,
    sheet_xml,
    xls_return,
    xlsx_package,
)


@pytest.fixture(autouse=True, scope="module")
def _stop_workers() -> Iterator[None]:
    yield
    sandbox.shutdown()


@pytest.fixture
def fresh_workers() -> Iterator[None]:
    """Workers started inside the test (after its monkeypatches), stopped after it."""
    sandbox.shutdown()
    yield
    sandbox.shutdown()


def rejected(name: str, content: bytes, password: str | None = None) -> ReadError:
    with pytest.raises(ReadError) as info:
        read_workbook(name, content, password)
    err = info.value
    assert err.code in {"encrypted", "not_excel", "corrupt", "empty", "too_large"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.message), err.message
    return err


def still_works() -> None:
    """After a rejection the reader (and its worker pool) still reads a good file."""
    assert (
        read_workbook("ok.xlsx", openpyxl_bytes(return_workbook())).sheets[0].rows[4][1] == "城关镇"
    )


def big_sheet(rows: int, cols: int = 20) -> bytes:
    """A ``rows`` × ``cols`` sheet of numbers under a header row, written straight as XML."""
    letters = [openpyxl.utils.get_column_letter(c + 1) for c in range(cols)]
    header = "".join(
        f'<c r="{letters[c]}1" t="inlineStr"><is><t>指标{c}</t></is></c>' for c in range(cols)
    )
    parts = [f'<row r="1">{header}</row>']
    for r in range(2, rows + 2):
        cells = "".join(
            f'<c r="{letters[c]}{r}"><v>{(r * 31 + c) % 1000}</v></c>' for c in range(cols)
        )
        parts.append(f'<row r="{r}">{cells}</row>')
    xml = sheet_xml(rows_xml="".join(parts), dimension=f"A1:{letters[-1]}{rows + 1}")
    return xlsx_package([("汇总", xml)])


# --- empty, renamed, truncated -----------------------------------------------------------------
def test_empty_bytes() -> None:
    assert rejected("空.xlsx", b"").code == "empty"


def test_blank_csv_is_empty() -> None:
    assert rejected("空.csv", b"\xef\xbb\xbf \r\n,,\r\n").code == "empty"


def test_workbook_without_any_cell_is_empty() -> None:
    assert rejected("空表.xlsx", openpyxl_bytes(openpyxl.Workbook())).code == "empty"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("报表.xlsx", "这是一个改了扩展名的文本文件\n第二行\n".encode()),
        ("报表.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>"),
        ("报表.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"),
        ("报表.xlsx", bytes(range(256)) * 8),
        ("报表.csv", b"<html><body>not a csv</body></html>"),
    ],
    ids=["text-as-xlsx", "html-as-xls", "png", "binary", "html-as-csv"],
)
def test_not_excel(name: str, content: bytes) -> None:
    err = rejected(name, content)
    assert err.code == "not_excel"
    assert "另存为" in err.message


def test_word_document_renamed_xlsx() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        zf.writestr("word/document.xml", "<w:document/>")
    err = rejected("报表.xlsx", out.getvalue())
    assert err.code == "not_excel"
    assert "Word" in err.message


def test_plain_zip_renamed_xlsx() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert rejected("报表.xlsx", out.getvalue()).code == "not_excel"


@pytest.mark.parametrize("keep", [0.5, 0.9, 30 / 1e6, 3 / 1e6])
def test_truncated_xlsx(keep: float) -> None:
    content = openpyxl_bytes(return_workbook())
    cut = content[: max(3, int(len(content) * keep))]
    assert rejected("截断.xlsx", cut).code == "corrupt"
    still_works()


@pytest.mark.parametrize("keep", [0.3, 0.7])
def test_truncated_xls(keep: float) -> None:
    content = xls_return()
    assert rejected("截断.xls", content[: int(len(content) * keep)]).code == "corrupt"


def test_garbage_after_ole_header() -> None:
    content = formats.OLE_MAGIC + os.urandom(4096)
    assert rejected("坏.xls", content).code == "corrupt"


# --- size and zip bombs ------------------------------------------------------------------------
def test_file_over_the_size_cap() -> None:
    err = rejected("大.xlsx", b"PK\x03\x04" + b"\0" * (formats.MAX_FILE_BYTES + 1))
    assert err.code == "too_large"
    assert "50 MB" in err.message


def bomb(entries: dict[str, bytes]) -> bytes:
    base = zipfile.ZipFile(io.BytesIO(openpyxl_bytes(return_workbook())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in base.infolist():
            zf.writestr(info.filename, base.read(info.filename))
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_zip_bomb_compression_ratio() -> None:
    content = bomb({"xl/media/zeros.bin": b"\0" * (20 * 1024 * 1024)})
    assert len(content) < 200_000
    err = rejected("炸弹.xlsx", content)
    assert err.code == "too_large"
    assert "压缩比" in err.message


def test_zip_bomb_entry_count() -> None:
    content = bomb({f"xl/media/{i}.bin": b"x" for i in range(formats.MAX_ZIP_ENTRIES + 1)})
    err = rejected("炸弹.xlsx", content)
    assert err.code == "too_large"
    assert str(formats.MAX_ZIP_ENTRIES) in err.message


def test_zip_bomb_total_size(monkeypatch: pytest.MonkeyPatch) -> None:
    with zipfile.ZipFile(io.BytesIO(bomb({"xl/media/a.bin": os.urandom(300_000)}))) as zf:
        monkeypatch.setattr(formats, "MAX_ZIP_TOTAL_BYTES", 200_000)
        with pytest.raises(ReadError) as info:
            formats.open_zip(zf.fp.getvalue())  # type: ignore[union-attr]
    assert info.value.code == "too_large"


# --- entity expansion --------------------------------------------------------------------------
LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def test_billion_laughs_in_shared_strings() -> None:
    shared = (
        f'<?xml version="1.0"?>{LAUGHS}<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1">'
        "<si><t>&lol9;</t></si></sst>"
    )
    xml = sheet_xml(rows_xml='<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    err = rejected("实体.xlsx", xlsx_package([("Sheet1", xml)], shared_strings=shared))
    assert err.code == "corrupt"
    assert "DTD" in err.message


def test_billion_laughs_in_a_sheet() -> None:
    xml = sheet_xml({"A1": "x"}, prolog=LAUGHS).replace("<t>x</t>", "<t>&lol9;</t>")
    assert rejected("实体.xlsx", xlsx_package([("Sheet1", xml)])).code == "corrupt"


def test_dtd_hidden_behind_a_long_comment() -> None:
    prolog = "<!--" + "注释" * 3000 + "-->" + LAUGHS
    xml = sheet_xml({"A1": "x"}, prolog=prolog).replace("<t>x</t>", "<t>&lol9;</t>")
    assert rejected("实体.xlsx", xlsx_package([("Sheet1", xml)])).code == "corrupt"


# --- absurd dimensions -------------------------------------------------------------------------
def test_declared_dimension_xfd1048576() -> None:
    book = openpyxl.Workbook()
    book.active["A1"] = "单位名称"
    book.active["XFD1048576"] = 1
    err = rejected("远处.xlsx", openpyxl_bytes(book))
    assert err.code == "too_large"
    assert "1048576 行 × 16384 列" in err.message
    still_works()


def test_far_cell_without_dimension_is_bounded() -> None:
    """No <dimension>: the native reader's dense grid hits the worker's memory limit, not ours."""
    xml = sheet_xml({"A1": "单位名称", "XFD1048576": 1})
    assert rejected("远处.xlsx", xlsx_package([("Sheet1", xml)])).code == "too_large"
    still_works()


def test_lying_shared_string_count_is_bounded() -> None:
    """calamine preallocates uniqueCount entries: the worker dies at its memory limit, we don't."""
    shared = (
        f'<?xml version="1.0"?><sst xmlns="{MAIN_NS}" count="4000000000" uniqueCount="4000000000">'
        "<si><t>单位</t></si></sst>"
    )
    xml = sheet_xml(rows_xml='<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    err = rejected("谎报.xlsx", xlsx_package([("Sheet1", xml)], shared_strings=shared))
    assert err.code == "too_large"
    still_works()


def test_real_extent_over_the_cell_cap() -> None:
    xml = sheet_xml({"A1": "单位名称", "CV60000": 1}, dimension="A1:A1")  # the dimension lies
    err = rejected("远处.xlsx", xlsx_package([("Sheet1", xml)]))
    assert err.code == "too_large"
    assert "60000 行 × 100 列" in err.message


def test_csv_over_the_cell_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "MAX_CELLS", 1_000)
    from dashboard.ingest.reader import parse_workbook

    with pytest.raises(ReadError) as info:
        parse_workbook("大.csv", ("a,b,c,d\n" * 400).encode())
    assert info.value.code == "too_large"


def test_workbook_over_the_total_cell_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.ingest.reader import parse_workbook

    cells = {f"{col}{row}": 1 for col in "ABCDEFGH" for row in range(1, 11)}  # 80 cells
    content = xlsx_package([("一", sheet_xml(cells)), ("二", sheet_xml(cells))])
    assert len(parse_workbook("a.xlsx", content).sheets) == 2
    monkeypatch.setattr(formats, "MAX_WORKBOOK_CELLS", 150)
    with pytest.raises(ReadError) as info:
        parse_workbook("a.xlsx", content)
    assert info.value.code == "too_large"
    assert "合计" in info.value.message


@pytest.fixture(scope="module")
def rows_200k() -> bytes:
    return big_sheet(200_000, 20)


def test_200000_rows_read_within_the_worker_limits(rows_200k: bytes) -> None:
    sheet = read_workbook("二十万行.xlsx", rows_200k).sheets[0]
    assert len(sheet.rows) == 200_001
    assert sheet.rows[0][:2] == ["指标0", "指标1"]
    assert sheet.rows[200_000][19] == (200_001 * 31 + 19) % 1000
    assert all(len(row) == 20 for row in sheet.rows[::997])


def test_worker_memory_limit_turns_into_too_large(
    rows_200k: bytes, monkeypatch: pytest.MonkeyPatch, fresh_workers: None
) -> None:
    monkeypatch.setattr(formats, "WORKER_MEMORY_BYTES", 250 * 1024 * 1024)
    err = rejected("二十万行.xlsx", rows_200k)
    assert err.code == "too_large"
    assert "内存" in err.message
    still_works()


# --- the sandbox itself ------------------------------------------------------------------------
def test_timeout_kills_the_worker(
    rows_200k: bytes, monkeypatch: pytest.MonkeyPatch, fresh_workers: None
) -> None:
    monkeypatch.setattr(formats, "WORKER_TIMEOUT_S", 0.3)
    started = time.monotonic()
    err = rejected("慢.xlsx", rows_200k)
    assert time.monotonic() - started < 10
    assert err.code == "too_large"
    assert "秒" in err.message
    monkeypatch.setattr(formats, "WORKER_TIMEOUT_S", 60.0)
    still_works()


def test_killed_worker_is_a_corrupt_file_and_is_replaced(
    rows_200k: bytes, fresh_workers: None
) -> None:
    sandbox.warm()
    worker = sandbox.worker_pool._idle[0]
    pid = worker.proc.pid
    time.sleep(1.0)  # imports done: the request is taken at once, the parse then takes seconds
    killer = threading.Timer(0.8, lambda: os.kill(pid, signal.SIGSEGV))
    killer.start()
    err = rejected("崩溃.xlsx", rows_200k)
    killer.join()
    assert err.code == "corrupt"
    assert worker.proc.poll() is not None
    still_works()


def test_malformed_sheet_xml() -> None:
    xml = sheet_xml({"A1": "单位名称", "B1": 3}).replace("</sheetData>", "<row><c></sheetData>")
    assert rejected("坏.xlsx", xlsx_package([("Sheet1", xml)])).code == "corrupt"


def test_encrypted_ods_is_refused_with_a_reason() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", formats.ODS_MIME, zipfile.ZIP_STORED)
        zf.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/>'
            "</manifest:file-entry></manifest:manifest>",
        )
        zf.writestr("content.xml", os.urandom(500))
    err = rejected("加密.ods", out.getvalue())
    assert err.code == "encrypted"
    assert "另存为" in err.message


def test_worker_killed_while_idle_is_replaced_transparently(fresh_workers: None) -> None:
    sandbox.warm()
    worker = sandbox.worker_pool._idle[0]
    time.sleep(0.5)  # let it finish starting, then kill it while it waits for work
    os.kill(worker.proc.pid, signal.SIGKILL)
    worker.proc.wait(timeout=10)
    still_works()
