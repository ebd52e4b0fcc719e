"""Limits on what one person can make the server do at once."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import PurePath

from dashboard.ingest import formats
from dashboard.ingest.formats import ReadError

__all__ = [
    "MAX_BATCH_BYTES",
    "MAX_FILES_PER_BATCH",
    "UPLOAD_CHECKS",
    "UPLOAD_TYPES",
    "BusyError",
    "InFlight",
    "batch_refusal",
    "upload_refusal",
]

UPLOAD_TYPES: tuple[str, ...] = ("xlsx", "xlsm", "xls", "xlsb", "ods", "csv")
MAX_FILES_PER_BATCH = 60
MAX_BATCH_BYTES = 200 * 1024 * 1024


class BusyError(Exception):
    """The same session (or user) already has as many jobs running as it may."""


class InFlight:
    """At most ``limit`` jobs at a time per key (a browser session, later a user)."""

    def __init__(self, limit: int = 1) -> None:
        self._limit = limit
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._lock:
            if self._running[key] >= self._limit:
                raise BusyError(key)
            self._running[key] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[key] -= 1
                if self._running[key] <= 0:
                    del self._running[key]

    def running(self, key: str) -> int:
        with self._lock:
            return self._running[key]


UPLOAD_CHECKS = InFlight(limit=1)  # one batch of uploads being checked per session


def upload_refusal(file_name: str, content: bytes) -> str | None:
    """Why an uploaded file is not even looked at (None when it may be checked).

    The browser's file picker filters by extension, but anyone can post any bytes to the
    upload endpoint: the name must carry a declared type and the bytes must be a workbook
    container (zip or OLE) or plain text, not a web page or a program.
    """
    suffix = PurePath(file_name).suffix.lower().lstrip(".")
    allowed = "、".join(UPLOAD_TYPES)
    if suffix not in UPLOAD_TYPES:
        return f"“{file_name}”不是周报文件类型（只接受 {allowed}），未检查、未存档"
    if len(content) > formats.MAX_FILE_BYTES:
        return formats.err_too_big(len(content)).message
    try:
        kind = formats.sniff(content).kind
    except ReadError as exc:
        return f"“{file_name}”：{exc.message}（未检查、未存档）"
    if kind == "text":
        head = content[:4096].decode("utf-8", "ignore")
        markup = formats.looks_like_markup(head)
        if markup is not None:
            return f"“{file_name}”实际上是{markup}，不是周报（未检查、未存档）"
    return None


def batch_refusal(sizes: list[int]) -> str | None:
    """Why a whole batch of uploads is refused (too many files or too many bytes at once)."""
    if len(sizes) > MAX_FILES_PER_BATCH:
        return f"一次最多上传 {MAX_FILES_PER_BATCH} 个文件（本次 {len(sizes)} 个），请分批上传"
    if sum(sizes) > MAX_BATCH_BYTES:
        return (
            f"一次上传的文件合计不超过 {MAX_BATCH_BYTES // 1048576} MB"
            f"（本次 {sum(sizes) / 1048576:.0f} MB），请分批上传"
        )
    return None
