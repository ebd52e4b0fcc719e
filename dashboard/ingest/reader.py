"""Untrusted workbook bytes → sheets of cells (``workbook.Workbook``): the parser.

This module runs inside the sandboxed worker (``dashboard.ingest.worker``); the app reads an
upload through ``sandbox.read_workbook``, so a panic, an abort or a runaway allocation in the
native reader cannot take the app down. ``read_cells`` is the parser itself; the worker sends
the rows in chunks that the app cleans (``workbook.clean_rows``) and finishes
(``workbook.settle_rows``) as they arrive. ``parse_workbook`` does it all in-process (the
worker's registry request, unit tests, benchmarks). It never imports ``sandbox``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from dashboard.ingest import formats
from dashboard.ingest.formats import ReadError, check_size
from dashboard.ingest.workbook import (
    Sheet,
    Workbook,
    as_text,
    clean_rows,
    drop_blank_tail,
    has_cells,
    set_cell,
)

__all__ = [
    "ReadError",
    "iter_sheet_rows",
    "parse_workbook",
    "read_cells",
    "read_registry_cells",
]


def parse_workbook(
    file_name: str, content: bytes, password: str | None = None, *, plain_types: bool = True
) -> Workbook:
    """Parse in THIS process. Only call it inside the sandbox worker or on trusted bytes.

    ``plain_types=False`` leaves time-of-day and duration cells as ``datetime.time`` /
    ``timedelta`` (the worker turns those into text while pickling, which saves a pass).
    """
    book = read_cells(file_name, content, password)
    for sheet in book.sheets:
        clean_rows(sheet.rows, 0, len(sheet.rows))
        if plain_types:
            sheet.rows = _plain_rows(sheet.rows)
    return book


def read_registry_cells(file_name: str, content: bytes) -> tuple[str, list[Any]]:
    """The worker's reply to a registry request: ("registry", [(name, rows, formats)]).

    The same parse and checks as a return (``parse_workbook``); for an .xlsx also the
    number formats of its numeric cells (openpyxl, read-only), which calamine does not give:
    a code typed as the number 101 with the format ``0000`` is the code ``0101``.
    """
    book = parse_workbook(file_name, content)
    formats_of: dict[str, list[tuple[int, int, str]]] = {}
    if book.format in ("xlsx", "xlsm"):
        formats_of = _number_formats(content)
    return (
        "registry",
        [(sheet.name, sheet.rows, formats_of.get(sheet.name, [])) for sheet in book.sheets],
    )


def _number_formats(content: bytes) -> dict[str, list[tuple[int, int, str]]]:
    from openpyxl import load_workbook

    found: dict[str, list[tuple[int, int, str]]] = {}
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        for ws in book.worksheets:
            marks: list[tuple[int, int, str]] = []
            for r, row in enumerate(ws.iter_rows(max_col=40)):
                for c, cell in enumerate(row):
                    fmt = getattr(cell, "number_format", "General") or "General"
                    if fmt != "General" and isinstance(cell.value, int | float):
                        marks.append((r, c, fmt))
            found[ws.title] = marks
    finally:
        book.close()
    return found


def read_cells(
    file_name: str, content: bytes, password: str | None = None, *, stream: bool = False
) -> Workbook:
    """Parse, leaving the last step to the caller: blank cells may still be ``""`` until
    ``clean_rows``. ``ReadError`` for a file without a single filled cell.

    ``stream=True`` (the worker) leaves an .xlsx sheet's rows unread in ``Sheet.source``
    (when its used range starts on row 1, as a return's title does),
    with its error cells in ``Sheet.patches``: the worker reads the rows while it sends them
    (``iter_sheet_rows``) and the app finishes them (``settle_rows``).
    """
    check_size(content)
    kind = formats.sniff(content).kind
    if kind == "text":
        return _read_text(file_name, content)
    if kind == "ole":
        content, fmt = _open_ole(content, password)
        if fmt == "xls":
            book = _read_calamine(file_name, content, "xls", stream=False)
            _add_xls_error_cells(content, book)
            return _finish(book)
    return _finish(_read_zip(file_name, content, stream))


def _finish(book: Workbook) -> Workbook:
    """No filled cell anywhere: ``ReadError`` (a streamed sheet is judged once it is read)."""
    if not any(s.source is not None or has_cells(s.rows) for s in book.sheets):
        raise formats.err_no_data()
    for sheet in book.sheets:
        drop_blank_tail(sheet.rows)
    return book


def iter_sheet_rows(sheet: Sheet) -> Iterator[list[object]]:
    """The rows of a streamed sheet as calamine makes them, padded from A1 (as
    ``to_python(skip_empty_area=False)`` would give them), one at a time."""
    raw = sheet.source
    width = raw.end[1] + 1
    rows = iter(raw.iter_rows())
    first = next(rows, None)
    if first is None:
        return
    if len(first) != width:  # columns from the used range's start: pad them from column A
        pad = width - len(first)
        if pad < 0:
            raise formats.err_corrupt("工作表的单元格范围与内容不一致")
        yield [*([""] * pad), *first]
        for row in rows:
            yield [*([""] * pad), *row]
        return
    yield first
    yield from rows


# --- OLE: legacy .xls and encrypted OOXML ----------------------------------------------------------
def _open_ole(content: bytes, password: str | None) -> tuple[bytes, str]:
    """Return (bytes, "xls" | "zip"): decrypts encrypted workbooks, rejects other OLE files."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(content))
        streams = {"/".join(entry).lower() for entry in ole.listdir()}
        ole.close()
    except Exception as exc:  # olefile raises OSError and assorted errors on broken files
        raise formats.err_corrupt("复合文档结构损坏，文件可能被截断") from exc
    if {"encryptioninfo", "encryptedpackage"} <= streams:
        return _decrypt(content, password), "zip"
    if "workbook" in streams or "book" in streams:
        if _xls_is_encrypted(content):
            return _decrypt(content, password, xls=True), "xls"
        return content, "xls"
    if "worddocument" in streams:
        raise formats.err_not_excel("Word 文档")
    if "powerpoint document" in streams:
        raise formats.err_not_excel("PowerPoint 演示文稿")
    raise formats.err_not_excel("不含工作簿的复合文档")


def _xls_is_encrypted(content: bytes) -> bool:
    import msoffcrypto

    try:
        return bool(msoffcrypto.OfficeFile(io.BytesIO(content)).is_encrypted())
    except Exception:  # a broken BIFF stream: let calamine report it
        return False


def _decrypt(content: bytes, password: str | None, xls: bool = False) -> bytes:
    import msoffcrypto
    from msoffcrypto import exceptions as mx

    # Excel encrypts "protected" .xls files with this well-known default password.
    candidates = [password] if password else (["VelvetSweatshop"] if xls else [])
    if not candidates:
        raise formats.err_encrypted()
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(content))
        office.load_key(password=candidates[0])
        out = io.BytesIO()
        office.decrypt(out)
    except mx.InvalidKeyError as exc:
        raise (formats.err_wrong_password() if password else formats.err_encrypted()) from exc
    except Exception as exc:
        raise ReadError(
            "encrypted",
            "文件已加密，但无法用所给密码解密（加密方式不受支持或文件已损坏），"
            "请在 Excel 中取消密码、另存为未加密的 .xlsx 文件后重新上传",
        ) from exc
    data = out.getvalue()
    if not data:
        raise formats.err_corrupt("解密后没有内容")
    if len(data) > 4 * formats.MAX_FILE_BYTES:
        raise formats.err_too_big(len(data))
    return data


# --- .xls error cells --------------------------------------------------------------------------
# As for .xlsx, calamine turns cached errors into empty cells. In BIFF they are BOOLERR records
# (0x0205, fError = 1) and FORMULA records (0x0006) whose cached value is an error. A regex finds
# candidates at C speed; only then are the records walked to confirm each sits on a record
# boundary of a worksheet substream.
_XLS_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
               0x24: "#NUM!", 0x2A: "#N/A"}  # fmt: skip
_XLS_CODES = b"[\\x00\\x07\\x0f\\x17\\x1d\\x24\\x2a]"
_XLS_ERROR_RECORD = re.compile(
    rb"\x05\x02\x08\x00.{6}" + _XLS_CODES + rb"\x01"
    rb"|\x06\x00..(?:.{6})\x02\x00" + _XLS_CODES + rb"\x00\x00\x00\xff\xff",
    re.S,
)


def _add_xls_error_cells(content: bytes, book: Workbook) -> None:
    try:
        stream = _xls_stream(content)
        if stream is None or not _XLS_ERROR_RECORD.search(stream):
            return
        by_name = {s.name: s for s in book.sheets}
        for name, start in _xls_sheet_offsets(stream):
            sheet = by_name.get(name)
            if sheet is not None:
                for r, c, text in _xls_sheet_errors(stream, start):
                    set_cell(sheet.rows, r, c, text)
    except Exception:  # best effort: the cells calamine read stand as they are
        return


def _xls_stream(content: bytes) -> bytes | None:
    import olefile

    with olefile.OleFileIO(io.BytesIO(content)) as ole:
        for entry in ole.listdir():
            if len(entry) == 1 and entry[0].lower() in ("workbook", "book"):
                data: bytes = ole.openstream(entry).read(formats.MAX_FILE_BYTES * 4)
                return data
    return None


def _xls_records(stream: bytes, start: int) -> Iterator[tuple[int, int, int]]:
    """(offset, type, size) of each record from ``start`` to the substream's EOF record."""
    i, n = start, len(stream)
    while i + 4 <= n:
        kind, size = struct.unpack_from("<HH", stream, i)
        yield i, kind, size
        if kind == 0x000A:  # EOF
            return
        i += 4 + size


def _xls_sheet_offsets(stream: bytes) -> list[tuple[str, int]]:
    """(name, offset of its BOF) for each worksheet, from the BOUNDSHEET records."""
    biff8 = stream[4:6] == b"\x00\x06"
    codepage = "cp1252"
    sheets: list[tuple[str, int]] = []
    for at, kind, size in _xls_records(stream, 0):
        body = stream[at + 4 : at + 4 + size]
        if kind == 0x0042 and size >= 2:  # CODEPAGE
            codepage = f"cp{int.from_bytes(body[:2], 'little')}"
        elif kind == 0x0085 and size >= 8 and body[5] == 0:  # BOUNDSHEET of a worksheet
            offset = int.from_bytes(body[:4], "little")
            count = body[6]
            if biff8:
                raw = body[8 : 8 + count * (2 if body[7] & 1 else 1)]
                name = raw.decode("utf-16-le" if body[7] & 1 else "latin-1", "replace")
            else:
                name = body[7 : 7 + count].decode(codepage, "replace")
            sheets.append((name, offset))
    return sheets


def _xls_sheet_errors(stream: bytes, start: int) -> Iterator[tuple[int, int, str]]:
    for at, kind, size in _xls_records(stream, start):
        if kind == 0x0205 and size == 8 and stream[at + 11] == 1:
            r, c = struct.unpack_from("<HH", stream, at + 4)
            yield r, c, _XLS_ERRORS.get(stream[at + 10], "#错误")
        elif kind == 0x0006 and size >= 20:
            val = stream[at + 10 : at + 18]
            if val[0] == 2 and val[6:8] == b"\xff\xff":
                r, c = struct.unpack_from("<HH", stream, at + 4)
                yield r, c, _XLS_ERRORS.get(val[2], "#错误")


# --- zip containers: xlsx / xlsm / xlsb / ods --------------------------------------------------
def _read_zip(file_name: str, content: bytes, stream: bool = False) -> Workbook:
    if formats.sniff(content).kind != "zip":
        raise formats.err_not_excel("解密后的内容不是工作簿")
    with formats.open_zip(content) as zf:
        fmt = formats.zip_format(zf)
        if fmt == "ods" and formats.ods_is_encrypted(zf):
            raise ReadError(
                "encrypted",
                "该 .ods 文件已加密，暂不支持解密，请在 WPS/LibreOffice 中取消密码另存为 .xlsx 后重新上传",
            )
        formats.check_xml_parts(zf, fmt)
        scan = _ErrorScan(content) if fmt in ("xlsx", "xlsm") else None
        try:
            workbook = _read_calamine(file_name, content, fmt, stream and fmt in ("xlsx", "xlsm"))
        finally:
            parts = scan.result() if scan else {}
        if fmt == "ods" and any(not s.merged for s in workbook.sheets):
            _add_ods_merges(zf, workbook)
        if parts:
            _add_error_cells(zf, workbook, parts)
        if fmt == "xlsb":
            _add_xlsb_merges(zf, workbook)
    return workbook


# --- xlsb merged ranges ------------------------------------------------------------------------
# calamine does not report merges for .xlsb. [MS-XLSB]: BrtBeginMergeCells (177, 4-byte count),
# BrtMergeCell (176, RfX = rwFirst, rwLast, colFirst, colLast as 4-byte ints), BrtEndMergeCells
# (178); record type and size are 7-bit varints, so the byte patterns below are exact.
_XLSB_BEGIN_MERGES = b"\xb1\x01\x04"
_XLSB_MERGE = b"\xb0\x01\x10"
_XLSB_END_MERGES = b"\xb2\x01\x00"
_XLSB_BUNDLE_SHEET = 156


def _add_xlsb_merges(zf: zipfile.ZipFile, workbook: Workbook) -> None:
    try:
        parts = _xlsb_sheet_parts(zf)
        for sheet in workbook.sheets:
            part = parts.get(sheet.name)
            if part is not None and not sheet.merged:
                sheet.merged = _xlsb_merges(zf.read(part))
    except Exception:  # merges are a nicety here; the cells are already read
        return


def _xlsb_merges(data: bytes) -> list[tuple[int, int, int, int]]:
    """The merge list sits after the cell data: find its start from the end and validate it."""
    end = len(data)
    for _ in range(64):  # a false match inside other records fails validation: look earlier
        pos = data.rfind(_XLSB_BEGIN_MERGES, 0, end)
        if pos < 0:
            return []
        count = int.from_bytes(data[pos + 3 : pos + 7], "little")
        at = pos + 7
        merges: list[tuple[int, int, int, int]] = []
        if at + 19 * count + 3 <= len(data):
            for _ in range(count):
                if data[at : at + 3] != _XLSB_MERGE:
                    break
                r1, r2, c1, c2 = struct.unpack_from("<4I", data, at + 3)
                merges.append((r1, c1, r2, c2))
                at += 19
            else:
                if data[at : at + 3] == _XLSB_END_MERGES:
                    return merges
        end = pos + len(_XLSB_BEGIN_MERGES) - 1
    return []


def _xlsb_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part, from the BrtBundleSh records of xl/workbook.bin."""
    from defusedxml.ElementTree import fromstring

    names = {n.replace("\\", "/"): n for n in zf.namelist()}
    rels = fromstring(zf.read(names["xl/_rels/workbook.bin.rels"]))
    targets: dict[str, str | None] = {}
    for rel in rels:
        target = (rel.get("Target") or "").replace("\\", "/")
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[rel.get("Id") or ""] = names.get(path)
    parts: dict[str, str] = {}
    for kind, payload in _xlsb_records(zf.read(names["xl/workbook.bin"])):
        if kind != _XLSB_BUNDLE_SHEET or len(payload) < 12:
            continue
        rel_id, offset = _xlsb_wide(payload, 8)
        name, _ = _xlsb_wide(payload, offset)
        part = targets.get(rel_id or "")
        if name and part:
            parts[name] = part
    return parts


def _xlsb_records(data: bytes) -> Iterator[tuple[int, bytes]]:
    i, n = 0, len(data)
    while i < n:
        kind = data[i] & 0x7F
        if data[i] & 0x80 and i + 1 < n:
            kind |= (data[i + 1] & 0x7F) << 7
            i += 1
        i += 1
        size = shift = 0
        for _ in range(4):
            if i >= n:
                return
            byte = data[i]
            i += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        yield kind, data[i : i + size]
        i += size


def _xlsb_wide(payload: bytes, offset: int) -> tuple[str | None, int]:
    """An XLWideString / XLNullableWideString: 4-byte length in characters, then UTF-16LE."""
    count = int.from_bytes(payload[offset : offset + 4], "little")
    if count == 0xFFFFFFFF:
        return None, offset + 4
    end = offset + 4 + 2 * count
    return payload[offset + 4 : end].decode("utf-16-le", "replace"), end


# --- xlsx error cells --------------------------------------------------------------------------
# calamine reports a cached error (#DIV/0!, #REF! …) as an empty cell, which would read as
# "not filled in". Put the error text back so the value check names the cell.
_ERROR_MARKS = (b' t="e"', b" t='e'")  # plain substring search: a regex here costs 10× more
_ERROR_CELL = re.compile(rb"<c\s(?=[^>]*\bt=[\"']e[\"'])([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF_ATTR = re.compile(rb"\br=[\"']([A-Za-z]{1,3}\d{1,7})[\"']")
_VALUE = re.compile(rb"<v>([^<]{0,64})</v>")


class _ErrorScan:
    """Find the worksheet parts holding error cells in a thread, while calamine (which releases
    the GIL) parses: on a free core the scan costs no wall time."""

    def __init__(self, content: bytes) -> None:
        self._parts: dict[str, str] = {}
        self._thread = threading.Thread(target=self._run, args=(content,), daemon=True)
        self._thread.start()

    def _run(self, content: bytes) -> None:
        formats.yield_cpu()  # the parse beside it is what the user waits for
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as zf:
                for name, part in _sheet_parts(zf).items():
                    if _part_has_errors(content, zf.getinfo(part)):
                        self._parts[name] = part
        except Exception:  # best effort: calamine reports a broken package itself
            self._parts = {}

    def result(self) -> dict[str, str]:
        """Sheet name → part path of the sheets that hold error cells."""
        self._thread.join()
        return self._parts


def _add_error_cells(zf: zipfile.ZipFile, workbook: Workbook, parts: dict[str, str]) -> None:
    for sheet in workbook.sheets:
        part = parts.get(sheet.name)
        if part is None:
            continue
        data = zf.read(part)  # sizes were checked before parsing
        for match in _ERROR_CELL.finditer(data):
            ref = _REF_ATTR.search(match.group(1))
            value = _VALUE.search(match.group(2) or b"")
            pos = formats.parse_cell_ref(ref.group(1).decode()) if ref else None
            if pos is None:
                continue
            text = value.group(1).decode("utf-8", "replace") if value else "#错误"
            if sheet.source is not None:
                sheet.patches.append((pos[0], pos[1], text or "#错误"))
            else:
                set_cell(sheet.rows, pos[0], pos[1], text or "#错误")


def _part_has_errors(content: bytes, info: zipfile.ZipInfo) -> bool:
    """Inflate the part in bounded chunks looking for ``t="e"``.

    zlib is driven directly (no CRC, no file object): each ``decompress`` call releases the
    GIL for its whole chunk, so this really runs beside calamine.
    """
    start = info.header_offset
    if content[start : start + 4] != b"PK\x03\x04":
        return False
    name_len = int.from_bytes(content[start + 26 : start + 28], "little")
    extra_len = int.from_bytes(content[start + 28 : start + 30], "little")
    begin = start + 30 + name_len + extra_len
    raw = memoryview(content)[begin : begin + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        return any(mark in raw.tobytes() for mark in _ERROR_MARKS)
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return False
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    tail = b""
    pending: bytes | memoryview = raw
    while pending:
        chunk = inflater.decompress(pending, 8 << 20)
        pending = inflater.unconsumed_tail
        window = tail + chunk
        if any(mark in window for mark in _ERROR_MARKS):
            return True
        tail = chunk[-8:]
        if inflater.eof:
            break
    return False


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part path, from xl/workbook.xml and its relationships."""
    from defusedxml.ElementTree import fromstring

    names = {n.replace("\\", "/"): n for n in zf.namelist()}
    try:
        book = fromstring(zf.read(names["xl/workbook.xml"]))
        rels = fromstring(zf.read(names["xl/_rels/workbook.xml.rels"]))
    except Exception:  # unusual package layout: calamine has read the cells already
        return {}
    targets = {}
    for rel in rels:
        target = (rel.get("Target") or "").replace("\\", "/")
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[rel.get("Id")] = names.get(path)
    r_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    parts: dict[str, str] = {}
    for elem in book.iter():
        if elem.tag.endswith("}sheet") and elem.get("name") is not None:
            part = targets.get(elem.get(r_id))
            if part:
                parts[elem.get("name", "")] = part
    return parts


# --- calamine ----------------------------------------------------------------------------------
def _read_calamine(file_name: str, content: bytes, fmt: str, stream: bool) -> Workbook:
    import python_calamine as pc

    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(content))
        metas = list(book.sheets_metadata)
        sheets: list[Sheet] = []
        budget = formats.MAX_WORKBOOK_CELLS
        for meta in metas:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            raw = book.get_sheet_by_name(meta.name)
            sheet, cells = _sheet_from_calamine(raw, meta, budget, stream)
            budget -= cells
            sheets.append(sheet)
    except ReadError:
        raise
    except pc.PasswordError as exc:
        raise formats.err_encrypted() from exc
    except MemoryError as exc:
        raise formats.err_worker_memory() from exc
    except (pc.ZipError, OSError) as exc:
        raise formats.err_corrupt("压缩包内容损坏，文件可能不完整") from exc
    except pc.XmlError as exc:
        raise formats.err_corrupt("工作表的 XML 内容损坏") from exc
    except Exception as exc:
        raise formats.err_corrupt("工作簿内部结构不符合 Excel 格式") from exc
    except BaseException as exc:  # pyo3 PanicException derives from BaseException
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        raise formats.err_corrupt("读取程序无法解析该文件的结构") from exc
    return Workbook(file_name=file_name, format=fmt, sheets=sheets)


def _sheet_from_calamine(raw: Any, meta: object, budget: int, stream: bool) -> tuple[Sheet, int]:
    """Check the extent BEFORE the cells become Python objects: per sheet and per workbook.
    Returns the sheet and its number of cells (rows × columns from A1)."""
    import python_calamine as pc

    name = str(getattr(meta, "name", ""))
    visible = getattr(meta, "visible", None) == pc.SheetVisibleEnum.Visible
    end = raw.end
    if end is None:
        return Sheet(name=name, visible=visible, rows=[], merged=_merges(raw)), 0
    n_rows, n_cols = end[0] + 1, end[1] + 1
    if n_rows * n_cols > formats.MAX_CELLS:
        raise formats.err_sheet_too_large(name, n_rows, n_cols)
    if n_rows * n_cols > budget:
        raise formats.err_workbook_too_large()
    if stream and raw.start is not None and raw.start[0] == 0:
        return Sheet(name, visible, [], _merges(raw), source=raw), n_rows * n_cols
    grid = raw.to_python(skip_empty_area=False)
    return Sheet(name=name, visible=visible, rows=grid, merged=_merges(raw)), n_rows * n_cols


_PLAIN = frozenset({str, float, int, bool, dt.date, dt.datetime, type(None)})


def _plain_rows(rows: list[list[object]]) -> list[list[object]]:
    """Times of day and durations → text, so every cell is one of the interface's types."""
    odd: set[type] = set()
    for row in rows:
        odd.update(map(type, row))
    if odd <= _PLAIN:
        return rows
    return [[v if type(v) in _PLAIN else as_text(v) for v in row] for row in rows]


def _merges(raw: object) -> list[tuple[int, int, int, int]]:
    ranges = getattr(raw, "merged_cell_ranges", None) or []
    return [(int(a[0]), int(a[1]), int(b[0]), int(b[1])) for a, b in ranges]


# --- ods merged ranges -------------------------------------------------------------------------
_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _add_ods_merges(zf: zipfile.ZipFile, workbook: Workbook) -> None:
    """calamine does not report merges for .ods: read ``number-*-spanned`` from content.xml."""
    from defusedxml.ElementTree import iterparse

    by_name = {s.name: s for s in workbook.sheets}
    t = _ODS_TABLE
    try:
        with zf.open("content.xml") as fh:
            sheet: Sheet | None = None
            row = -1
            col = 0
            depth_in_cell = 0
            for event, elem in iterparse(fh, events=("start", "end")):
                tag = elem.tag
                if event == "start":
                    if tag == t + "table":
                        sheet = by_name.get(elem.get(t + "name", ""))
                        row = -1
                    elif tag == t + "table-row":
                        row += 1
                        col = 0
                    elif tag in (t + "table-cell", t + "covered-table-cell") and depth_in_cell == 0:
                        spans_c = int(elem.get(t + "number-columns-spanned", "1") or 1)
                        spans_r = int(elem.get(t + "number-rows-spanned", "1") or 1)
                        if sheet is not None and (spans_c > 1 or spans_r > 1):
                            sheet.merged.append((row, col, row + spans_r - 1, col + spans_c - 1))
                    continue
                if tag == t + "table-row":
                    repeat = int(elem.get(t + "number-rows-repeated", "1") or 1)
                    row += min(repeat, 1_048_576) - 1
                elif tag in (t + "table-cell", t + "covered-table-cell"):
                    repeat = int(elem.get(t + "number-columns-repeated", "1") or 1)
                    col += min(repeat, 16_384)
                elif tag == t + "table":
                    sheet = None
                elem.clear()
    except Exception:  # merges are a nicety for .ods; the cells are already read
        return


# --- text: CSV ---------------------------------------------------------------------------------
_TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


def _read_text(file_name: str, content: bytes) -> Workbook:
    text = _decode(content)
    suffix = PurePath(file_name).suffix.lower()
    if suffix not in _TEXT_SUFFIXES:
        what = formats.looks_like_markup(text[:2000]) or "纯文本文件"
        raise formats.err_not_excel(f"实际是{what}，只是扩展名为 {suffix or '空'}")
    markup = formats.looks_like_markup(text[:2000])
    if markup and markup != "JSON 文件":
        raise formats.err_not_excel(f"实际是{markup}")
    rows = _csv_rows(text)
    if not has_cells(rows):
        raise formats.err_no_data()
    name = PurePath(file_name).stem or "Sheet1"
    return Workbook(file_name=file_name, format="csv", sheets=[Sheet(name, True, rows, [])])


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise formats.err_not_excel("文本编码无法识别，既不是 UTF-8 也不是 GBK")


def _csv_rows(text: str) -> list[list[object]]:
    sample = text[:8192]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    rows: list[list[object]] = []
    width = 0
    cells = 0
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append([v if v != "" else None for v in record])
            width = max(width, len(record))
            cells += len(record)
            if len(rows) * width > formats.MAX_CELLS or cells > formats.MAX_CELLS:
                raise formats.err_sheet_too_large("CSV", len(rows), width)
    except csv.Error as exc:
        raise formats.err_corrupt("CSV 格式错误（引号不成对或字段过长）") from exc
    for row in rows:
        if len(row) < width:
            row.extend([None] * (width - len(row)))
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows
