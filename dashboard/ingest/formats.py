"""Limits and format sniffing for uploaded workbooks.

Everything here looks at the raw bytes only (never the file name's extension) and is cheap:
it reads the zip central directory and a few hundred bytes of each XML part, so a zip bomb or
an absurd sheet is refused before any real parsing starts.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import threading
import zipfile
from dataclasses import dataclass

__all__ = [
    "CHUNK_ROWS",
    "FRAME_HEADER_BYTES",
    "MAX_CELLS",
    "MAX_FILE_BYTES",
    "MAX_REPLY_BYTES",
    "MAX_WORKBOOK_CELLS",
    "MAX_ZIP_ENTRIES",
    "MAX_ZIP_ENTRY_BYTES",
    "MAX_ZIP_RATIO",
    "MAX_ZIP_TOTAL_BYTES",
    "MEMORY_ENV",
    "ODS_MIME",
    "OLE_MAGIC",
    "WORKER_MEMORY_BYTES",
    "WORKER_TIMEOUT_S",
    "ZIP_EMPTY_MAGIC",
    "ZIP_MAGIC",
    "ZIP_RATIO_GRACE",
    "ReadError",
    "Sniffed",
    "check_size",
    "check_xml_parts",
    "err_corrupt",
    "err_empty",
    "err_encrypted",
    "err_no_data",
    "err_not_excel",
    "err_sheet_too_large",
    "err_too_big",
    "err_workbook_too_large",
    "err_worker_crash",
    "err_worker_memory",
    "err_worker_timeout",
    "err_wrong_password",
    "err_zip_bomb",
    "looks_like_markup",
    "ods_is_encrypted",
    "open_zip",
    "parse_cell_ref",
    "sniff",
    "yield_cpu",
    "zip_format",
]

# --- limits ------------------------------------------------------------------------------------
MAX_FILE_BYTES = 50 * 1024 * 1024  # upload size cap
MAX_CELLS = 5_000_000  # rows × columns of one sheet's used range
MAX_WORKBOOK_CELLS = 10_000_000  # all sheets together: bounds the reply the app receives
MAX_REPLY_BYTES = 1024 * 1024 * 1024  # a worker reply larger than this is refused unread
MAX_ZIP_ENTRIES = 1_000  # Apache POI's default
MAX_ZIP_RATIO = 100  # uncompressed : compressed, Apache POI's default (1 / 0.01)
ZIP_RATIO_GRACE = 1024 * 1024  # entries smaller than this are not ratio-checked
MAX_ZIP_ENTRY_BYTES = 1024 * 1024 * 1024  # one uncompressed entry
MAX_ZIP_TOTAL_BYTES = 2 * 1024 * 1024 * 1024  # all uncompressed entries together
WORKER_MEMORY_BYTES = 2 * 1024 * 1024 * 1024  # RLIMIT_AS of the parsing process
WORKER_TIMEOUT_S = 60.0  # wall-clock limit of one parse
# The worker's reply protocol (sandbox ↔ worker): 8-byte length frames, rows per frame.
FRAME_HEADER_BYTES = 8
CHUNK_ROWS = 1000  # rows per reply frame: small enough that both sides work at once
MEMORY_ENV = "DASHBOARD_READER_MEMORY_BYTES"  # the worker's memory limit, read at its start

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ZIP_EMPTY_MAGIC = b"PK\x05\x06"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"

_DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\b[^>]*\bref=\"([^\"]*)\"")
_DOCTYPE_RE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_ROOT_RE = re.compile(rb"<[A-Za-z_]")  # the first element: a DTD can only come before it
_CELL_REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_HEAD_BYTES = 4096  # how much of each XML part is checked for a DTD / dimension


class ReadError(Exception):
    """An upload that cannot be read; ``message`` says (in Chinese) what is wrong and what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


# --- messages ----------------------------------------------------------------------------------
def check_size(content: bytes) -> None:
    """The checks that need no parsing: empty and over-size files."""
    if not content:
        raise err_empty()
    if len(content) > MAX_FILE_BYTES:
        raise err_too_big(len(content))


def err_empty() -> ReadError:
    return ReadError("empty", "文件是空的（没有任何内容），请确认选择了正确的文件后重新上传")


def err_no_data() -> ReadError:
    return ReadError("empty", "工作簿里没有任何数据，请确认填报内容已保存后重新上传")


def err_too_big(size: int) -> ReadError:
    return ReadError(
        "too_large",
        f"文件过大（{size / 1048576:.1f} MB，上限 {MAX_FILE_BYTES // 1048576} MB），"
        "请删除无关的工作表、图片后另存，或拆分成多个文件分别上传",
    )


def err_not_excel(what: str) -> ReadError:
    return ReadError(
        "not_excel",
        f"文件内容不是 Excel 工作簿（{what}），请用 Excel 打开后另存为 .xlsx 格式再上传",
    )


def err_corrupt(what: str) -> ReadError:
    return ReadError(
        "corrupt",
        f"文件已损坏或格式异常，无法读取（{what}），请用 Excel 打开后另存为新的 .xlsx 文件再上传",
    )


def err_encrypted() -> ReadError:
    return ReadError(
        "encrypted", "文件已加密，请提供打开密码，或在 Excel 中取消密码另存为未加密的文件后重新上传"
    )


def err_wrong_password() -> ReadError:
    return ReadError(
        "encrypted",
        "文件已加密，所给的打开密码不正确，请核对密码后重试，或另存为未加密的文件后重新上传",
    )


def err_zip_bomb(what: str) -> ReadError:
    return ReadError(
        "too_large",
        f"文件解压后体积异常（{what}），可能是恶意构造的压缩包，已拒绝读取；如确为正常报表，请另存为新文件后重新上传",
    )


def err_sheet_too_large(sheet: str, rows: int, cols: int) -> ReadError:
    return ReadError(
        "too_large",
        f"工作表「{sheet}」的数据范围过大（{rows} 行 × {cols} 列，超过 {MAX_CELLS // 10000} 万个单元格的上限），"
        "请删除表格外远处的多余内容（或只保留报表区域复制到新工作簿）后重新上传",
    )


def err_workbook_too_large() -> ReadError:
    return ReadError(
        "too_large",
        f"工作簿各表的数据合计超过 {MAX_WORKBOOK_CELLS // 10000} 万个单元格的上限，"
        "请删除与报表无关的工作表（如原始数据、备份表）后重新上传",
    )


def err_worker_memory() -> ReadError:
    return ReadError(
        "too_large",
        f"读取该文件需要的内存超过 {WORKER_MEMORY_BYTES // 1048576} MB 的上限（文件过大或结构异常），"
        "请删除多余内容、另存为新的 .xlsx 文件或拆分后再上传",
    )


def err_worker_timeout() -> ReadError:
    return ReadError(
        "too_large",
        f"读取该文件超过 {WORKER_TIMEOUT_S:.0f} 秒仍未完成（文件过大或结构异常），"
        "请删除多余内容、另存为新的 .xlsx 文件或拆分后再上传",
    )


def err_worker_crash() -> ReadError:
    return err_corrupt("读取程序在解析该文件时异常退出")


# --- sniffing ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sniffed:
    """What the bytes really are: ``kind`` is "zip", "ole" or "text"."""

    kind: str


def sniff(content: bytes) -> Sniffed:
    """Classify raw bytes as a zip container, an OLE/CFB compound file or text; else ``ReadError``."""
    if not content:
        raise err_empty()
    head = content[:8]
    if head.startswith(ZIP_MAGIC) or head.startswith(ZIP_EMPTY_MAGIC):
        return Sniffed("zip")
    if head == OLE_MAGIC:
        return Sniffed("ole")
    if len(content) < 8 and (OLE_MAGIC.startswith(head) or ZIP_MAGIC.startswith(head)):
        raise err_corrupt("文件被截断，内容不完整")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text ("Unicode text" export)
        return Sniffed("text")
    if _looks_binary(content[:8192]):
        raise err_not_excel("无法识别的二进制文件")
    return Sniffed("text")


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > len(sample) // 20


def looks_like_markup(text_head: str) -> str | None:
    """Name what a text file that is not CSV looks like (HTML / XML / JSON), else None."""
    stripped = text_head.lstrip("\ufeff \t\r\n").lower()
    if stripped.startswith(("<!doctype html", "<html", "<table", "<meta")):
        return "网页/HTML 文件"
    if stripped.startswith("<?xml") or stripped.startswith("<"):
        return "XML 文件"
    if stripped.startswith(("{", "[")):
        return "JSON 文件"
    if stripped.startswith("%pdf"):
        return "PDF 文件"
    return None


# --- zip containers ----------------------------------------------------------------------------
def open_zip(content: bytes) -> zipfile.ZipFile:
    """Open a zip and check entry count, sizes and compression ratios BEFORE anything is inflated."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise err_corrupt("压缩包结构不完整，文件可能被截断") from exc
    if not infos:
        raise err_corrupt("压缩包里没有任何内容")
    if len(infos) > MAX_ZIP_ENTRIES:
        raise err_zip_bomb(f"压缩包内有 {len(infos)} 个文件，上限 {MAX_ZIP_ENTRIES} 个")
    total = 0
    for info in infos:
        size = info.file_size
        if size > MAX_ZIP_ENTRY_BYTES:
            raise err_zip_bomb(f"其中一个部件解压后达 {size / 1048576:.0f} MB")
        total += size
        if total > MAX_ZIP_TOTAL_BYTES:
            raise err_zip_bomb(f"解压后总计超过 {MAX_ZIP_TOTAL_BYTES // 1048576} MB")
        if size > ZIP_RATIO_GRACE and size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise err_zip_bomb(
                f"压缩比 {size // max(info.compress_size, 1)}:1，上限 {MAX_ZIP_RATIO}:1"
            )
    return zf


def zip_format(zf: zipfile.ZipFile) -> str:
    """Which spreadsheet a zip holds: "xlsx" | "xlsm" | "xlsb" | "ods"; else ``ReadError``."""
    names = set(zf.namelist())
    if "mimetype" in names:
        mime = _read_head(zf, "mimetype", 200).strip()
        if mime == ODS_MIME:
            return "ods"
        raise err_not_excel("OpenDocument 文件，但不是电子表格")
    if "[Content_Types].xml" not in names:
        raise err_not_excel("压缩包，但不是 Office 文档")
    types = _read_head(zf, "[Content_Types].xml", 1 << 20)
    paths = {n.replace("\\", "/").lower() for n in names}
    if b"sheet.binary.macroEnabled.main" in types or "xl/workbook.bin" in paths:
        return "xlsb"
    if b"sheet.macroEnabled.main" in types or b"template.macroEnabled.main" in types:
        return "xlsm"
    if b"spreadsheetml.sheet.main" in types or b"spreadsheetml.template.main" in types:
        return "xlsx"
    if "xl/workbook.xml" in paths:
        return "xlsx"
    if b"wordprocessingml" in types:
        raise err_not_excel("Word 文档")
    if b"presentationml" in types:
        raise err_not_excel("PowerPoint 演示文稿")
    raise err_not_excel("Office 文档，但不是电子表格")


def ods_is_encrypted(zf: zipfile.ZipFile) -> bool:
    """An encrypted .ods lists ``encryption-data`` in its manifest."""
    try:
        return b"encryption-data" in _read_head(zf, "META-INF/manifest.xml", 1 << 20)
    except KeyError:
        return False


def check_xml_parts(zf: zipfile.ZipFile, fmt: str) -> None:
    """Refuse DTDs (entity expansion) and sheets whose declared extent is absurd.

    Excel never writes a DOCTYPE, so any part with one is hostile or broken. The declared
    ``<dimension ref>`` of a worksheet is checked here; the real extent is checked again after
    parsing, and the worker's memory limit is the last line of defence.
    """
    for info in zf.infolist():
        name = info.filename
        if not name.endswith((".xml", ".rels", ".vml")) and name != "[Content_Types].xml":
            continue
        head = _as_utf8(_read_head(zf, name, _HEAD_BYTES))
        if _DOCTYPE_RE.search(head):
            raise err_corrupt(f"部件 {name} 含有 DTD 实体声明，可能是恶意构造的文件")
        if head and not _ROOT_RE.search(head) and len(head) >= _HEAD_BYTES // 2:
            # a prolog longer than the window could hide a DTD behind comments: refuse it
            raise err_corrupt(f"部件 {name} 的 XML 开头异常")
        if fmt in ("xlsx", "xlsm"):
            match = _DIMENSION_RE.search(head)
            if match:
                _check_dimension(name, match.group(1).decode("ascii", "replace"))


def _as_utf8(head: bytes) -> bytes:
    """XML parts may be UTF-16 (customXml often is): look at them as UTF-8 text."""
    if head.startswith(b"\xff\xfe") or head[1:2] == b"\x00":
        return head.decode("utf-16-le", "ignore").encode("utf-8", "ignore")
    if head.startswith(b"\xfe\xff") or head[:1] == b"\x00":
        return head.decode("utf-16-be", "ignore").encode("utf-8", "ignore")
    return head


def _check_dimension(part: str, ref: str) -> None:
    last = ref.split(":")[-1]
    first = ref.split(":")[0]
    a, b = parse_cell_ref(first), parse_cell_ref(last)
    if a is None or b is None:
        return
    rows = abs(b[0] - a[0]) + 1
    cols = abs(b[1] - a[1]) + 1
    if rows * cols > MAX_CELLS:
        sheet = part.rsplit("/", 1)[-1].removesuffix(".xml")
        raise err_sheet_too_large(sheet, rows, cols)


def parse_cell_ref(ref: str) -> tuple[int, int] | None:
    """``"B3"`` → (2, 1): 0-based (row, column); None when not a cell reference."""
    match = _CELL_REF_RE.match(ref.strip())
    if not match:
        return None
    col = 0
    for ch in match.group(1).upper():
        col = col * 26 + (ord(ch) - 64)
    return int(match.group(2)) - 1, col - 1


def _read_head(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    try:
        with zf.open(name) as fh:
            return fh.read(limit)
    except KeyError:
        raise
    except (
        zipfile.BadZipFile,
        ValueError,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ) as exc:
        raise err_corrupt(f"部件 {name} 无法解压") from exc
    except Exception as exc:  # zlib.error and friends
        raise err_corrupt(f"部件 {name} 无法解压") from exc


def yield_cpu() -> None:
    """Lower the calling thread's scheduling priority (Linux nice +10; a no-op elsewhere).

    The import runs helper threads beside the parse (the error-cell scan in the worker, the
    registry lookup in the app). On a two-core machine the three would share two cores, and
    the parse, which everything waits for, lost up to a fifth of its speed to them.
    """
    native_id = getattr(threading, "get_native_id", None)
    if not sys.platform.startswith("linux") or native_id is None:
        return
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, native_id(), 10)
