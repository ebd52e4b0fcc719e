"""Parse untrusted workbooks in a separate, resource-limited worker process.

The native reader (python-calamine) can panic, abort or try to allocate tens of gigabytes on a
hostile file. Each parse therefore runs in a small pool of warm worker processes
(``python -m dashboard.ingest.worker``) that already have the readers imported and run under
``RLIMIT_AS`` (memory) and a wall-clock deadline. A worker that dies or overruns is killed and
replaced; the caller gets a ``ReadError`` and the app carries on.

Protocol on the worker's stdin/stdout: frames of an 8-byte big-endian length, then a pickle.
Request: (file_name, content, password). Reply: ("error", code, message), or
("ok", format, [(name, visible, merged, error_cells)]) followed, sheet after sheet, by frames
("rows", [row, …]) of at most ``CHUNK_ROWS`` rows and an ("end",) frame; an ("error", …)
frame may come instead of any of them. An .xlsx sheet's rows are made from the parser's
cells only as they are sent, and the app cleans each chunk (``workbook.clean_rows``) as it
arrives: the two processes work at once instead of one after the other. The parent
unpickles with an allow-list (dates only) and checks every frame's shape.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import io
import os
import pickle
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from dashboard.ingest import formats
from dashboard.ingest.formats import (
    CHUNK_ROWS,
    FRAME_HEADER_BYTES,
    MEMORY_ENV,
    ReadError,
    check_size,
)
from dashboard.ingest.workbook import Sheet, Workbook, clean_rows, has_content, settle_rows

__all__ = [
    "CHUNK_ROWS",
    "POOL_SIZE",
    "read_registry",
    "read_workbook",
    "run",
    "run_once",
    "shutdown",
    "warm",
    "worker_environment",
    "Worker",
    "worker_pool",
]

POOL_SIZE = 2  # concurrent parses; the machine has two cores
RECYCLE_AFTER_REQUESTS = 200
RECYCLE_AFTER_BYTES = 4 * 1024 * 1024  # a big parse fragments the heap: start afresh after it
_HEADER = FRAME_HEADER_BYTES
_MEMORY_ENV = MEMORY_ENV
WORKER_MODULE = "dashboard.ingest.worker"


# --- parent side -------------------------------------------------------------------------------
class Worker:
    """One worker process and its pipes. Not thread-safe: the pool hands it to one caller."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close)
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["RUST_BACKTRACE"] = "0"  # a native abort's one line says enough; keep it first
        env[_MEMORY_ENV] = str(formats.WORKER_MEMORY_BYTES)  # read at start: tests may lower it
        self.proc = subprocess.Popen(
            command or [sys.executable, "-m", WORKER_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
            close_fds=True,
            start_new_session=True,  # a Ctrl-C in the terminal goes to the app, not the worker
        )
        self.requests = 0
        self._budget = 0  # reply bytes still allowed in the current call
        for stream in (self.proc.stdin, self.proc.stdout):
            _widen_pipe(stream)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def call(self, request: bytes, timeout: float) -> Any:
        """Send one request and collect the whole reply as ("ok", format, [(name, visible,
        rows, merged)]) or ("error", code, message); ReadError if the worker dies, overruns
        or sends something malformed."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.requests += 1
        deadline = time.monotonic() + timeout
        self._write_all(len(request).to_bytes(_HEADER, "big") + request, deadline)
        self._budget = formats.MAX_REPLY_BYTES
        was_enabled = gc.isenabled()
        gc.disable()  # see _loads: the reply is many new objects and no garbage
        try:
            first = self._frame(deadline)
            if _is_frame(first, "registry", 2):
                return self._checked_registry(first)
            if not _is_frame(first, "ok", 3) or not isinstance(first[2], list):
                return self._checked_error(first)
            sheets = [self._sheet(meta, deadline) for meta in first[2]]
            return ("ok", first[1], sheets)
        finally:
            if was_enabled:
                gc.enable()

    def _sheet(self, meta: Any, deadline: float) -> tuple[Any, ...]:
        if not (isinstance(meta, tuple) and len(meta) == 4 and _are_cells(meta[3])):
            raise self._malformed()
        name, visible, merged, patches = meta
        rows: list[list[object]] = []
        while True:
            frame = self._frame(deadline)
            if _is_frame(frame, "end", 1):
                break
            if _is_frame(frame, "error", 3):
                raise ReadError(str(frame[1]), str(frame[2]))
            chunk = frame[1] if _is_frame(frame, "rows", 2) else None
            if not isinstance(chunk, list) or (chunk and set(map(type, chunk)) != {list}):
                raise self._malformed()
            clean_rows(chunk, 0, len(chunk))
            rows.extend(chunk)
        settle_rows(rows, patches)
        return (name, visible, rows, merged)

    def _checked_registry(self, frame: Any) -> tuple[Any, ...]:
        """("registry", [(name, rows, number formats)]): every part of the right type."""
        sheets = frame[1]
        ok = isinstance(sheets, list) and all(
            isinstance(sheet, tuple)
            and len(sheet) == 3
            and isinstance(sheet[0], str)
            and isinstance(sheet[1], list)
            and all(isinstance(row, list) for row in sheet[1])
            and _are_cells(sheet[2])
            for sheet in sheets
        )
        if not ok or not isinstance(frame, tuple):
            raise self._malformed()
        return frame

    def _checked_error(self, frame: Any) -> tuple[Any, ...]:
        if _is_frame(frame, "error", 3):
            return frame
        raise self._malformed()

    def _malformed(self) -> ReadError:
        self.close()
        return formats.err_worker_crash()

    def _frame(self, deadline: float) -> Any:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        size = int.from_bytes(self._read_exact(fd, _HEADER, deadline), "big")
        self._budget -= size
        if self._budget < 0:
            raise self._malformed()
        return _loads(self._read_exact(fd, size, deadline))

    def _write_all(self, data: bytes, deadline: float) -> None:
        """Write without ever blocking past the deadline; a worker gone before reading the
        request raises ``_NotDeliveredError`` so the pool can retry on a fresh one."""
        assert self.proc.stdin is not None
        fd = self.proc.stdin.fileno()
        os.set_blocking(fd, False)
        view = memoryview(data)
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise formats.err_worker_timeout()
            if not _ready(fd, select.POLLOUT, left):
                continue
            try:
                view = view[os.write(fd, view[: 1 << 20]) :]
            except BlockingIOError:
                continue
            except OSError:  # EPIPE: the worker is gone
                self.close()
                raise _NotDeliveredError from None

    def _read_exact(self, fd: int, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        remaining = size
        while remaining:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise formats.err_worker_timeout()
            if not _ready(fd, select.POLLIN, left):
                continue
            chunk = os.read(fd, min(remaining, 1 << 22))
            if not chunk:
                raise self._death()
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _death(self) -> ReadError:
        """Turn a dead worker into the ReadError that best explains why it died."""
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.close()
            code = -signal.SIGKILL
        said = self._stderr_ends()
        self.close()
        if "memory allocation" in said or "MemoryError" in said or "capacity overflow" in said:
            return formats.err_worker_memory()
        if code in (-signal.SIGKILL, -signal.SIGXCPU):  # OOM killer or CPU limit
            return formats.err_worker_memory()
        return formats.err_worker_crash()

    def _stderr_ends(self) -> str:
        """The first and last 4 KiB the worker wrote to stderr: a native abort says why on its
        first line, a Python traceback on its last (a backtrace may stand between them)."""
        try:
            self.stderr.seek(0, io.SEEK_END)
            size = self.stderr.tell()
            self.stderr.seek(0)
            head = self.stderr.read(4096)
            self.stderr.seek(max(4096, size - 4096))
            return (head + b"\n" + self.stderr.read()).decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout, self.stderr):
            with contextlib.suppress(OSError, ValueError):
                if stream is not None:
                    stream.close()


_F_SETPIPE_SZ = 1031  # Linux fcntl: a pipe's buffer size


def _widen_pipe(stream: IO[bytes] | None) -> None:
    """A 1 MiB pipe buffer instead of 64 KiB: a reply of a few MB then crosses in a few
    wake-ups instead of dozens (best effort; other systems keep the default)."""
    if stream is None or not sys.platform.startswith("linux"):
        return
    import fcntl

    with contextlib.suppress(OSError):
        fcntl.fcntl(stream.fileno(), _F_SETPIPE_SZ, 1 << 20)


def _ready(fd: int, event: int, timeout: float) -> bool:
    """Wait for a pipe (poll, not select: an app with many sockets has fds above 1024)."""
    poller = select.poll()
    poller.register(fd, event | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(max(1, int(timeout * 1000))))


def _is_frame(frame: Any, tag: str, size: int) -> bool:
    return isinstance(frame, tuple) and len(frame) == size and frame[0] == tag


def _are_cells(patches: Any) -> bool:
    """A list of (row, column, text) error cells."""
    return isinstance(patches, list) and all(
        isinstance(p, tuple)
        and len(p) == 3
        and type(p[0]) is int
        and type(p[1]) is int
        and p[0] >= 0
        and p[1] >= 0
        and isinstance(p[2], str)
        for p in patches
    )


class _NotDeliveredError(Exception):
    """The worker died before it read the request (e.g. killed while idle)."""


class _Pool:
    """Up to ``POOL_SIZE`` warm workers; each caller borrows one for the length of a parse."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._idle: list[Worker] = []

    def warm(self) -> None:
        with self._lock:
            if not self._idle:
                self._idle.append(Worker())

    def run(self, request: bytes, retire: bool) -> Any:
        with self._slots:
            for attempt in range(2):
                worker = self._take()
                healthy = False
                try:
                    reply = worker.call(request, formats.WORKER_TIMEOUT_S)
                    # a worker that hit a memory or parser failure may be in a bad state
                    healthy = not (reply[0] == "error" and reply[1] in ("too_large", "corrupt"))
                    return reply
                except _NotDeliveredError:
                    if attempt:
                        raise formats.err_worker_crash() from None
                finally:
                    self._give_back(worker, healthy and not retire)
            raise AssertionError("unreachable")

    def _take(self) -> Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                worker.close()
        return Worker()

    def _give_back(self, worker: Worker, keep: bool) -> None:
        if keep and worker.alive() and worker.requests < RECYCLE_AFTER_REQUESTS:
            with self._lock:
                if len(self._idle) < self._size:
                    self._idle.append(worker)
                    return
            worker.close()
            return
        worker.close()
        self.warm()  # start the replacement now so the next upload finds it ready

    def shutdown(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()


worker_pool = _Pool(POOL_SIZE)
atexit.register(worker_pool.shutdown)


def warm() -> None:
    """Start a worker ahead of the first upload (optional: ``run`` starts one when needed)."""
    worker_pool.warm()


def shutdown() -> None:
    """Stop idle workers (tests; the workers also exit on their own when the app exits)."""
    worker_pool.shutdown()


def read_registry(file_name: str, content: bytes) -> list[tuple[str, list[list[Any]], Any]]:
    """A registry workbook's sheets read in a worker, as (name, rows, number formats): the
    same reader, checks and limits as a return; the formats ((row, col, format) of numeric
    cells in an .xlsx) let codes such as 0101 keep their leading zeros."""
    request = pickle.dumps((file_name, bytes(content), None, "registry"), protocol=5)
    reply = worker_pool.run(request, retire=len(content) > RECYCLE_AFTER_BYTES)
    if reply[0] == "error":
        raise ReadError(str(reply[1]), str(reply[2]))
    return list(reply[1])


def read_workbook(file_name: str, content: bytes, password: str | None = None) -> Workbook:
    """Read an uploaded file safely; raise ``ReadError`` (Chinese message) when it cannot be
    read. The one way the app reads an untrusted workbook."""
    check_size(content)
    return run(file_name, content, password)


def run(file_name: str, content: bytes, password: str | None = None) -> Workbook:
    """Parse ``content`` in a worker; return a ``workbook.Workbook`` or raise ``ReadError``."""
    request = pickle.dumps((file_name, bytes(content), password), protocol=5)
    reply = worker_pool.run(request, retire=len(content) > RECYCLE_AFTER_BYTES)
    if reply[0] == "error":
        raise ReadError(str(reply[1]), str(reply[2]))
    _, fmt, sheets = reply
    read = [Sheet(name, visible, rows, merged) for name, visible, rows, merged in sheets]
    if not has_content(read):  # streamed sheets are judged once they are in
        raise formats.err_no_data()
    return Workbook(file_name=file_name, format=fmt, sheets=read)


class _ReplyUnpickler(pickle.Unpickler):
    """Replies hold only builtins and dates: refuse anything else a subverted worker might send."""

    _ALLOWED = {("datetime", "date"), ("datetime", "datetime"), ("builtins", "str")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected type in worker reply: {module}.{name}")


def _loads(data: bytes) -> Any:
    # A reply is hundreds of thousands of new objects and no cycles: collecting garbage while
    # they are built only costs time (a third of the unpickling here).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _ReplyUnpickler(io.BytesIO(data)).load()
    except Exception as exc:
        raise formats.err_worker_crash() from exc
    finally:
        if was_enabled:
            gc.enable()


def worker_environment() -> dict[str, str]:
    """The environment of a sandboxed child: the project importable, quiet native aborts."""
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["RUST_BACKTRACE"] = "0"
    env[_MEMORY_ENV] = str(formats.WORKER_MEMORY_BYTES)
    return env


def run_once(module: str, request: bytes, timeout: float) -> bytes:
    """Run ``python -m module`` once under the worker's limits (memory, CPU time, file size)
    with ``request`` on its stdin; its stdout, or ``ReadError`` when it fails or overruns."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", module],
            input=request,
            capture_output=True,
            env=worker_environment(),
            timeout=timeout,
            close_fds=True,
            start_new_session=True,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise formats.err_worker_timeout() from None
    if done.returncode != 0:
        tail = done.stderr[-4096:].decode("utf-8", "replace")
        if "MemoryError" in tail or "memory allocation" in tail:
            raise formats.err_worker_memory()
        raise formats.err_worker_crash()
    return done.stdout
