"""The import's row containers: figures kept as columns until asked for, accepted rows as a
sequence of dicts, and the JSON text written straight from the columns."""

from __future__ import annotations

import datetime as dt
import threading

import orjson
import pytest

from dashboard.ingest import formats
from dashboard.ingest.results import AcceptedRows
from dashboard.ingest.rows import RowFigures, json_template
from dashboard.store import returns_repo

DAY = dt.date(2023, 10, 27)


def figures_with_a_block() -> RowFigures:
    table = RowFigures()
    table.append({"a": 1, "b": None})  # a row read one by one, with a blank
    table.add_columns(["a", "b"], [[2, 3, 4], [20, 30, 40]], 3)
    table.append({"b": 7})
    return table


def test_block_rows_become_dicts_only_when_asked_for() -> None:
    table = figures_with_a_block()
    assert len(table) == 5
    assert table._dicts[2] is None
    assert table[2] == {"a": 3, "b": 30}
    assert table[2] is table[2]  # made once
    assert table[-2] == {"a": 4, "b": 40}
    assert table[1:3] == [{"a": 2, "b": 20}, {"a": 3, "b": 30}]
    assert list(table) == [
        {"a": 1, "b": None},
        {"a": 2, "b": 20},
        {"a": 3, "b": 30},
        {"a": 4, "b": 40},
        {"b": 7},
    ]
    with pytest.raises(IndexError):
        table[5]


def test_json_texts_are_what_orjson_writes_for_each_row() -> None:
    table = figures_with_a_block()
    expected = [orjson.dumps(row).decode() for row in list(figures_with_a_block())]
    assert table.json_texts() == expected
    assert returns_repo.json_texts(table) == expected


def test_the_template_escapes_what_json_and_percent_formatting_need() -> None:
    codes = ['say "hi"', "100%", "\u8bfb\u4e66"]
    template = json_template(codes)
    assert orjson.loads(template % (1, 2, 3)) == dict(zip(codes, [1, 2, 3], strict=True))


def test_accepted_rows_read_like_a_list_of_dicts() -> None:
    rows = AcceptedRows(["U1", "U2"], [DAY, DAY], [{"a": 1}, {"a": 2}], ["汇总", "汇总"], [3, 4])
    as_list = [
        {"unit_code": "U1", "report_date": DAY, "values": {"a": 1}, "sheet": "汇总", "row": 3},
        {"unit_code": "U2", "report_date": DAY, "values": {"a": 2}, "sheet": "汇总", "row": 4},
    ]
    assert rows == as_list
    assert len(rows) == 2 and rows[1] == as_list[1] and rows[-1] == as_list[1]
    assert rows[:1] == as_list[:1]
    assert list(rows) == as_list
    assert rows != as_list[:1]
    assert rows.report_dates == [DAY, DAY]
    columns = rows.as_columns()
    assert columns.unit_codes == ["U1", "U2"] and columns.rows == [3, 4]
    assert AcceptedRows([], [], [], [], []) == []


def test_yield_cpu_lowers_only_the_calling_thread() -> None:
    import os

    if not hasattr(os, "getpriority") or not hasattr(threading, "get_native_id"):
        pytest.skip("no per-thread priorities here")
    seen: list[int] = []

    def helper() -> None:
        formats.yield_cpu()
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=helper)
    thread.start()
    thread.join()
    assert seen == [min(before + 10, 19)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
