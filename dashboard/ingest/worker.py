"""The sandboxed worker process: ``python -m dashboard.ingest.worker``.

Started by ``sandbox`` (the pool in the app), it applies its own limits (memory, core
dumps, file size), preloads the parsers, then answers requests on stdin with frames on
stdout (the protocol is described in ``sandbox``). It imports the parser (``reader``) and
the shared frame constants; the app side never imports this module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import io
import itertools
import os
import pickle
import signal
import sys
from typing import IO, Any

from dashboard.ingest import formats
from dashboard.ingest.formats import CHUNK_ROWS, FRAME_HEADER_BYTES, MEMORY_ENV, ReadError
from dashboard.ingest.reader import iter_sheet_rows, read_cells, read_registry_cells
from dashboard.ingest.workbook import Workbook, as_text

__all__ = ["limit_resources", "serve"]

_HEADER = FRAME_HEADER_BYTES
_MEMORY_ENV = MEMORY_ENV


class _ReplyPickler(pickle.Pickler):
    """Pickles a reply; times of day and durations travel as text (the interface's types)."""

    def reducer_override(self, obj: Any) -> Any:
        # Called only for objects that are not plain builtins, i.e. the few date/time cells.
        if isinstance(obj, dt.time | dt.timedelta):
            return str, (as_text(obj),)
        return NotImplemented


def _dumps(reply: Any) -> bytes:
    buffer = io.BytesIO()
    _ReplyPickler(buffer, protocol=5).dump(reply)
    return buffer.getvalue()


def limit_resources() -> None:
    """The worker's limits, applied in the child itself (memory, core dumps, file size)."""
    _limit_resources()


def _limit_resources() -> None:
    import resource

    limits = [
        (resource.RLIMIT_AS, int(os.environ.get(_MEMORY_ENV, formats.WORKER_MEMORY_BYTES))),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_FSIZE, 16 * 1024 * 1024),
    ]
    for which, value in limits:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(which, (value, value))


def _read_exact_stream(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    if data is None or len(data) < size:
        return None
    return data


def serve() -> None:
    # Preload everything a parse needs so the first request is as fast as the next.
    import defusedxml.ElementTree  # noqa: F401
    import msoffcrypto  # noqa: F401
    import olefile  # noqa: F401
    import python_calamine  # noqa: F401

    stream = functools.partial(read_cells, stream=True)
    _limit_resources()
    gc.disable()  # see _loads; the worker collects between requests instead
    stdin = sys.stdin.buffer
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not corrupt replies
    hard_limit = int(formats.WORKER_TIMEOUT_S) + 10
    while True:
        header = _read_exact_stream(stdin, _HEADER)
        if header is None:
            return
        payload = _read_exact_stream(stdin, int.from_bytes(header, "big"))
        if payload is None:
            return
        signal.alarm(hard_limit)  # default SIGALRM action ends the process even inside Rust
        book_or_error = _handle(stream, payload)
        if isinstance(book_or_error, tuple):
            _send(out, book_or_error)
        else:
            _send_book(out, book_or_error)
        signal.alarm(0)
        del book_or_error, payload
        gc.collect()  # off the critical path: the parent is busy with the reply


def _send(out: IO[bytes], reply: Any) -> None:
    data = _dumps(reply)
    out.write(len(data).to_bytes(_HEADER, "big"))
    out.write(data)
    out.flush()


def _send_book(out: IO[bytes], book: Workbook) -> None:
    """The sheets' outline, then each sheet's rows chunk by chunk and its end. A streamed
    .xlsx sheet's rows are made from the parser's cells one chunk at a time."""
    sheets = book.sheets
    outline = [(s.name, s.visible, s.merged, s.patches) for s in sheets]
    _send(out, ("ok", book.format, outline))
    for sheet in sheets:
        rows = iter_sheet_rows(sheet) if sheet.source is not None else iter(sheet.rows)
        try:
            while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
                _send(out, ("rows", chunk))
        except ReadError as exc:
            _send(out, ("error", exc.code, exc.message))
            return
        except MemoryError:
            err = formats.err_worker_memory()
            _send(out, ("error", err.code, err.message))
            return
        except Exception as exc:  # the parser failing on a cell it had not turned yet
            err = formats.err_corrupt(type(exc).__name__)
            _send(out, ("error", err.code, err.message))
            return
        _send(out, ("end",))


def _handle(parse: Any, payload: bytes) -> Any:
    """The parsed ``reader.Workbook``, or the ("error", code, message) reply."""
    try:
        request = pickle.loads(payload)
        if len(request) == 4 and request[3] == "registry":
            return read_registry_cells(request[0], request[1])
        file_name, content, password = request
        return parse(file_name, content, password)
    except ReadError as exc:
        return ("error", exc.code, exc.message)
    except MemoryError:
        err = formats.err_worker_memory()
        return ("error", err.code, err.message)
    except Exception as exc:
        err = formats.err_corrupt(type(exc).__name__)
        return ("error", err.code, err.message)
    except BaseException as exc:  # pyo3 PanicException
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        err = formats.err_worker_crash()
        return ("error", err.code, err.message)


if __name__ == "__main__":
    serve()
