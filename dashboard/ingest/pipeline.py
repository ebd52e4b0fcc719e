"""The import's public API: check a workbook's bytes, then store what passed.

``check_file`` reads the file in the sandboxed reader (``sandbox.read_workbook``) while the
check's context loads (``context.load_context``: units, settings, the latest figures), reads
the return (``file_checks.read_return``: headers, columns, dates, rows through the row engine
``rows``), loads the previous figures of any older week the file holds, then runs the row
checks (``file_checks.finish_check``), collecting ALL problems of the file (bounded by
``core.problems.ProblemCollector``).  ``store_result`` archives the bytes and stores the
accepted rows in one transaction (``returns_repo.save_upload``).  The outcome and its JSON
contract are ``results.FileResult``; the page tables are in ``ui/import_tables``.

The layers, each importing only those before it: ``workbook`` (the model) ← ``reader`` (the
parser, in the worker) ← ``worker``; ``workbook`` ← ``sandbox`` (the pool in the app);
``context`` ← ``rows`` (row engine, ``checks``) ← ``file_checks`` ← ``pipeline``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine

from dashboard.core.problems import Problem
from dashboard.ingest.context import (
    CheckContext,
    load_context,
    load_context_beside_parser,
    load_earlier,
)
from dashboard.ingest.file_checks import finish_check, read_return
from dashboard.ingest.formats import ReadError
from dashboard.ingest.matching import MatchScope, UnitMatcher
from dashboard.ingest.results import (
    CLI_DATE_HINT,
    FILE_CODES,
    HELD_BACK,
    OUTSIDE_SCOPE,
    PAGE_DATE_HINT,
    STATUS_ZH,
    AcceptedRow,
    AcceptedRows,
    FileResult,
    hold_back,
    keep_inside,
)
from dashboard.ingest.sandbox import read_workbook
from dashboard.ingest.workbook import Workbook
from dashboard.store import returns_repo

__all__ = [
    "CLI_DATE_HINT",
    "FILE_CODES",
    "HELD_BACK",
    "LARGE_FILE_BYTES",
    "OUTSIDE_SCOPE",
    "PAGE_DATE_HINT",
    "STATUS_ZH",
    "AcceptedRow",
    "AcceptedRows",
    "FileResult",
    "already_imported",
    "bulk",
    "check_again",
    "check_file",
    "check_workbook",
    "hold_back",
    "import_file",
    "keep_inside",
    "load_context",
    "replaced_rows",
    "store_result",
]


def check_file(
    engine: Engine,
    file_name: str,
    content: bytes,
    *,
    report_date: dt.date | None = None,
    password: str | None = None,
    date_hint: str = PAGE_DATE_HINT,
    scope: MatchScope | None = None,
) -> FileResult:
    """Read and check one file; nothing is stored. ``date_hint`` says where to give a date
    (the page's field, or ``CLI_DATE_HINT``) when the file has none. ``scope``: a scoped
    user's subtree, the only units rows match, are suggested or named (``MatchScope``).

    Large files are checked one at a time per process (``LARGE_FILE_BYTES``): a 200,000-row
    return costs the app about half a gigabyte while it is checked, so three at once from
    three sessions would take the server past its memory; the others wait their turn.
    """
    gate = _LARGE_CHECKS if len(content) > LARGE_FILE_BYTES else contextlib.nullcontext()
    with gate:
        return _check_file(engine, file_name, content, report_date, password, date_hint, scope)


LARGE_FILE_BYTES = 2 * 1024 * 1024  # ~30,000 rows of a return
_LARGE_CHECKS = threading.BoundedSemaphore(1)


def _check_file(
    engine: Engine,
    file_name: str,
    content: bytes,
    report_date: dt.date | None,
    password: str | None,
    date_hint: str = PAGE_DATE_HINT,
    scope: MatchScope | None = None,
) -> FileResult:
    # The registry and settings load while the worker parses (it waits on a pipe, GIL free).
    with bulk(), ThreadPoolExecutor(max_workers=1) as pool:
        context = pool.submit(load_context_beside_parser, engine, report_date, scope)
        try:
            workbook = read_workbook(file_name, content, password)
        except ReadError as exc:
            problem = Problem(None, None, None, None, "error", exc.code, exc.message)
            return FileResult(file_name, "rejected", None, problems=[problem])
        ctx = context.result()
        result = check_workbook(
            engine, workbook, report_date=report_date, context=ctx, date_hint=date_hint
        )
    # The parsed cells are not kept: a page holds results across reruns, and the 退回修改表
    # opens the file again in a child process (annotate.returned_workbook).
    result.workbook = None
    return result


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """No cyclic GC while a file is read, checked and stored: its rows are not garbage, and
    the collections their allocation would set off (each pass over every live container of
    the process) cost a few milliseconds per 10,000 rows for nothing. Nested uses are fine."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def store_result(
    engine: Engine, result: FileResult, content: bytes, *, uploaded_by: str = ""
) -> FileResult:
    """Archive the bytes and store the accepted rows, in one transaction."""
    rejected = result.status == "rejected"
    with bulk():
        saved = _save(engine, result, content, rejected, uploaded_by)
    return dataclasses.replace(
        result,
        status="rejected" if rejected else "imported",
        import_id=saved.import_id,
        duplicate=saved.duplicate,
        superseded=saved.superseded,
        workbook=None,
    )


def _save(
    engine: Engine,
    result: FileResult,
    content: bytes,
    rejected: bool,
    uploaded_by: str,
) -> returns_repo.SaveResult:
    return returns_repo.save_upload(
        engine,
        file_name=result.file,
        content=content,
        status="rejected" if rejected else "imported",
        rows=() if rejected else _figure_columns(result.accepted),
        problems=result.stored_problems(),
        problem_total=result.problem_total,
        report_date=result.report_date,
        uploaded_by=uploaded_by,
    )


def _figure_columns(accepted: Sequence[AcceptedRow]) -> returns_repo.FigureColumns:
    if isinstance(accepted, AcceptedRows):
        return accepted.as_columns()
    return returns_repo.FigureColumns(
        [row["unit_code"] for row in accepted],
        [row["report_date"] for row in accepted],
        [row["values"] for row in accepted],
        [row["sheet"] for row in accepted],
        [row["row"] for row in accepted],
    )


def import_file(
    engine: Engine,
    file_name: str,
    content: bytes,
    *,
    report_date: dt.date | None = None,
    password: str | None = None,
    dry_run: bool = False,
    uploaded_by: str = "",
    date_hint: str = PAGE_DATE_HINT,
) -> FileResult:
    """Check, then store unless ``dry_run`` (status ``checked``)."""
    with bulk():
        result = check_file(
            engine,
            file_name,
            content,
            report_date=report_date,
            password=password,
            date_hint=date_hint,
        )
        if dry_run:
            return result
        return store_result(engine, result, content, uploaded_by=uploaded_by)


def check_workbook(
    engine: Engine,
    workbook: Workbook,
    *,
    report_date: dt.date | None = None,
    context: CheckContext | None = None,
    date_hint: str = PAGE_DATE_HINT,
) -> FileResult:
    """Check an already read workbook: read the return, load the previous figures of any
    older week it holds (the one database read after the context), then check its rows."""
    ctx = context or load_context(engine, report_date)
    read = read_return(workbook, ctx, date_hint)
    if isinstance(read, FileResult):
        return read
    older = ctx.older_days(read.days())
    if older:
        ctx = ctx.with_earlier(load_earlier(engine, older))
    return finish_check(read, ctx)


def check_again(
    engine: Engine,
    file_name: str,
    content: bytes,
    report_date: dt.date | None,
    stored: Sequence[dict[str, Any]] = (),
) -> FileResult:
    """An archived file checked again (to send its 退回修改表 later, from 导入记录), with
    the rows the office held back when it was imported (from its stored problems)."""
    result = check_file(engine, file_name, content, report_date=report_date)
    held = {
        (str(p.get("sheet")), int(p["row"]))
        for p in stored
        if p.get("code") == HELD_BACK and p.get("row") is not None
    }
    return hold_back(result, held, UnitMatcher.from_engine(engine).names)


def replaced_rows(engine: Engine, import_id: int) -> int:
    """How many rows of an import in force a later correction has replaced (0: all current)."""
    with engine.connect() as conn:
        return returns_repo.superseded_rows(conn, import_id)


def already_imported(engine: Engine, content: bytes) -> int | None:
    """The id of an import in force of exactly these bytes (storing them again changes nothing)."""
    with engine.connect() as conn:
        return returns_repo.find_active_import(conn, returns_repo.sha256_of(content))
