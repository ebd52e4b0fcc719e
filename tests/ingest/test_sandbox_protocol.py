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
from dashboard.ingest.reader import parse_workbook, read_workbook

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
    worker = sandbox._Worker([sys.executable, "-c", PLAYBACK, str(script)])
    try:
        return worker.call(pickle.dumps(("a.xlsx", b"x", None)), timeout=20)
    finally:
        worker.close()


OUTLINE = ("ok", "xlsx", [("Sheet1", True, [], 3), ("空表", False, [], 0)])


def test_rows_in_several_frames_are_put_back_together(tmp_path: Path) -> None:
    reply = play(
        tmp_path,
        frame(OUTLINE),
        frame(("rows", [["单位名称", "读书班"], ["城关镇", 3.0]])),
        frame(("rows", [["东城镇", dt.date(2023, 10, 27)]])),
    )
    assert reply == (
        "ok",
        "xlsx",
        [
            (
                "Sheet1",
                True,
                [["单位名称", "读书班"], ["城关镇", 3.0], ["东城镇", dt.date(2023, 10, 27)]],
                [],
            ),
            ("空表", False, [], []),
        ],
    )


def test_an_error_reply_is_passed_on(tmp_path: Path) -> None:
    assert play(tmp_path, frame(("error", "corrupt", "坏了"))) == ("error", "corrupt", "坏了")


def test_an_error_frame_in_the_middle_of_the_rows_is_raised(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as info:
        play(tmp_path, frame(OUTLINE), frame(("error", "too_large", "内存不足")))
    assert info.value.code == "too_large"


@pytest.mark.parametrize(
    "frames",
    [
        pytest.param([frame(("ok", "xlsx", "not a list"))], id="outline-not-a-list"),
        pytest.param([frame(("ok", "xlsx", [("Sheet1", True, [])]))], id="outline-too-short"),
        pytest.param([frame(OUTLINE), frame(("rows", "abc"))], id="chunk-not-a-list"),
        pytest.param([frame(OUTLINE), frame(("rows", [1, 2, 3]))], id="rows-not-lists"),
        pytest.param(
            [frame(OUTLINE), frame(("rows", [["a"], ["b"], ["c"], ["d"]]))], id="too-many-rows"
        ),
        pytest.param([frame(OUTLINE), frame(("rows", [["a"]]))], id="ends-before-all-rows"),
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
