"""The app's side of the worker protocol: replies come in frames and are checked, not trusted.

A stand-in worker (a few lines of Python) plays back frames written here, so every way a
reply can be wrong is tried without needing a parser that misbehaves on cue.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from dashboard.ingest import sandbox
from dashboard.ingest.formats import ReadError
from dashboard.ingest.reader import parse_workbook
from dashboard.ingest.sandbox import read_workbook

PLAYBACK = """
import sys
stdin, out = sys.stdin.buffer, sys.stdout.buffer
size = int.from_bytes(stdin.read(8), "big")
stdin.read(size)
with open(sys.argv[1], "rb") as frames:
    out.write(frames.read())
out.flush()
"""


def frame(obj: object) -> bytes:
    data = pickle.dumps(obj, protocol=5)
    return len(data).to_bytes(8, "big") + data


def play(tmp_path: Path, *frames: bytes) -> object:
    script = tmp_path / "frames.bin"
    script.write_bytes(b"".join(frames))
    worker = sandbox.Worker([sys.executable, "-c", PLAYBACK, str(script)])
    try:
        return worker.call(pickle.dumps(("a.xlsx", b"x", None)), timeout=20)
    finally:
        worker.close()


OUTLINE = ("ok", "xlsx", [("Sheet1", True, [], [(1, 2, "#DIV/0!")]), ("空表", False, [], [])])
END = frame(("end",))


def test_rows_in_several_frames_are_cleaned_and_put_back_together(tmp_path: Path) -> None:
    """Blanks come as "" and are cleaned by the app; error cells are set once the rows are in
    (growing the grid); trailing blank rows are dropped."""
    reply = play(
        tmp_path,
        frame(OUTLINE),
        frame(("rows", [["单位名称", "读书班"], ["城关镇", ""]])),
        frame(("rows", [["东城镇", dt.date(2023, 10, 27)], ["", ""]])),
        END,
        END,
    )
    assert reply == (
        "ok",
        "xlsx",
        [
            (
                "Sheet1",
                True,
                [
                    ["单位名称", "读书班", None],
                    ["城关镇", None, "#DIV/0!"],
                    ["东城镇", dt.date(2023, 10, 27), None],
                ],
                [],
            ),
            ("空表", False, [], []),
        ],
    )


def test_an_error_reply_is_passed_on(tmp_path: Path) -> None:
    assert play(tmp_path, frame(("error", "corrupt", "坏了"))) == ("error", "corrupt", "坏了")


def test_an_error_frame_in_the_middle_of_the_rows_is_raised(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as info:
        play(
            tmp_path,
            frame(OUTLINE),
            frame(("rows", [["a"]])),
            frame(("error", "too_large", "内存不足")),
        )
    assert info.value.code == "too_large"


@pytest.mark.parametrize(
    "frames",
    [
        pytest.param([frame(("ok", "xlsx", "not a list"))], id="outline-not-a-list"),
        pytest.param([frame(("ok", "xlsx", [("Sheet1", True, [])]))], id="outline-too-short"),
        pytest.param(
            [frame(("ok", "xlsx", [("Sheet1", True, [], [(-1, 0, "#N/A")])]))],
            id="error-cell-off-the-sheet",
        ),
        pytest.param(
            [frame(("ok", "xlsx", [("Sheet1", True, [], [(0, 0, 5)])]))], id="error-cell-not-text"
        ),
        pytest.param([frame(OUTLINE), frame(("rows", "abc"))], id="chunk-not-a-list"),
        pytest.param([frame(OUTLINE), frame(("rows", [1, 2, 3]))], id="rows-not-lists"),
        pytest.param([frame(OUTLINE), frame(("rows", [["a"]]))], id="ends-before-its-end"),
        pytest.param([frame(OUTLINE), END], id="second-sheet-never-ends"),
        pytest.param([frame(("hello",))], id="unknown-reply"),
        pytest.param([frame(OUTLINE), frame(("rows", [[os.system]]))], id="forbidden-global"),
        pytest.param([b"\x00" * 8 + b"garbage"], id="not-a-pickle"),
        pytest.param([(2**62).to_bytes(8, "big")], id="absurd-size"),
    ],
)
def test_a_malformed_reply_is_a_crash_not_a_result(tmp_path: Path, frames: list[bytes]) -> None:
    with pytest.raises(ReadError) as info:
        play(tmp_path, *frames)
    assert info.value.code == "corrupt"


def test_a_native_out_of_memory_abort_is_named_whatever_follows_it(tmp_path: Path) -> None:
    """The abort's first line says why; a long backtrace after it must not hide it."""
    script = (
        "import os, sys\n"
        "sys.stdin.buffer.read(8)\n"
        "sys.stderr.write('memory allocation of 549755813888 bytes failed\\n' + 'x' * 20000)\n"
        "sys.stderr.flush()\n"
        "os.abort()\n"
    )
    worker = sandbox.Worker([sys.executable, "-c", script])
    try:
        with pytest.raises(ReadError) as info:
            worker.call(pickle.dumps(("a.xlsx", b"x", None)), timeout=20)
    finally:
        worker.close()
    assert info.value.code == "too_large"


@pytest.fixture(scope="module")
def _stop_workers() -> Iterator[None]:
    yield
    sandbox.shutdown()


def test_a_sheet_longer_than_one_frame_arrives_whole(_stop_workers: None) -> None:
    """Real worker, rows across several frames and two sheets, blanks and times of day."""
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "汇总"
    first.append(["单位名称", "读书班", "备注"])
    for i in range(sandbox.CHUNK_ROWS * 2 + 7):
        first.append([f"单位{i}", i, None if i % 3 else dt.time(10, 30)])
    second = wb.create_sheet("补报")
    second.append(["单位名称", "读书班"])
    second.append(["东城镇", 5])
    out = io.BytesIO()
    wb.save(out)
    content = out.getvalue()
    book = read_workbook("多块.xlsx", content)
    assert book == parse_workbook("多块.xlsx", content)
    rows = book.sheets[0].rows
    assert len(rows) == sandbox.CHUNK_ROWS * 2 + 8
    assert rows[1] == ["单位0", 0, "10:30:00"]
    assert rows[2] == ["单位1", 1, None]
    assert book.sheets[1].rows == [["单位名称", "读书班"], ["东城镇", 5]]
