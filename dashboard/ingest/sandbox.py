"""Run the workbook parser in a worker process (first version: in-process; hardened next)."""

from __future__ import annotations

from dashboard.ingest.reader import Workbook, parse_workbook


def run(file_name: str, content: bytes, password: str | None = None) -> Workbook:
    return parse_workbook(file_name, content, password)
