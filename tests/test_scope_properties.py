"""Property tests of scope (hypothesis): for a random registry tree, random weeks of figures
and a random user scoped to a random unit, every result the door gives, every chart, every
export (Excel, Word, PowerPoint briefing) and every table download holds only units inside
the user's subtree — and no text calls that subtree 全市.

Units are named 〔code〕…, so one name is never a part of another and a leak is a plain
substring of the output. Word and PowerPoint carry their charts as images; the images are
replaced by a blank PNG here (what they show is each chart's figure, checked as JSON), so
the test checks every word the documents hold without a browser per example.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from dashboard import door
from dashboard.core import settings as settings_def
from dashboard.core.catalogue import INDICATOR_CODES
from dashboard.core.units import UnitTree
from dashboard.export import briefing, charts, images, workbook
from dashboard.ui import tables

WEEKS = [dt.date(2023, 10, 13), dt.date(2023, 10, 20), dt.date(2023, 10, 27)]
CATEGORIES = ["党政机关", "乡镇（街道）", "学校"]


def _blank_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, format="PNG")
    return out.getvalue()


_BLANK_PNG = _blank_png()


@st.composite
def cities(draw: st.DrawFn) -> dict[str, Any]:
    """A random tree (each unit's parent drawn among the earlier ones), random figures for
    random units and weeks, and a random scoped user."""
    n = draw(st.integers(min_value=3, max_value=24))
    parents = [None] + [draw(st.integers(min_value=0, max_value=i - 1)) for i in range(1, n)]
    codes = [f"U{i:02d}" for i in range(n)]
    levels: list[int] = []
    for parent in parents:
        levels.append(1 if parent is None else levels[parent] + 1)
    units = pd.DataFrame(
        {
            "code": codes,
            "name": [f"〔{c}〕单位" for c in codes],
            "parent_code": [None if p is None else codes[p] for p in parents],
            "category": [draw(st.sampled_from(CATEGORIES)) for _ in codes],
            "aliases": "",
            "level": levels,
            "sort_order": range(n),
            "retired": False,
        }
    )
    rows = []
    for code in codes:
        base = draw(st.integers(min_value=0, max_value=20))
        for week, day in enumerate(WEEKS, start=1):
            if draw(st.booleans()) or week == 1:
                rows.append((code, day, _figures(base + week * draw(st.integers(0, 5)))))
    figures = pd.concat(
        [
            pd.DataFrame(
                {
                    "unit_code": pd.Series([r[0] for r in rows], dtype="str"),
                    "report_date": pd.to_datetime(pd.Series([r[1] for r in rows])),
                }
            ),
            pd.DataFrame.from_records([r[2] for r in rows], columns=list(INDICATOR_CODES)).astype(
                "Int64"
            ),
        ],
        axis=1,
    )
    home = draw(st.sampled_from(codes[1:]))  # a part of the city, never the whole
    role = draw(st.sampled_from(["liaison", "viewer"]))
    return {"units": units, "figures": figures, "viewer": door.Viewer("某人", role, home)}


def _figures(k: int) -> dict[str, int]:
    values = dict.fromkeys(INDICATOR_CODES, k)
    values.update(problems_found=2 * k, problems_closed=k, measures_set=2 * k, measures_done=k)
    values.update(survey_topics=k + 1, survey_reports=k)
    return values


def _inputs(city: dict[str, Any]) -> door.Inputs:
    values = settings_def.defaults()
    values.update(city_name="示范市", gradient_min_units=2)
    return door.Inputs(city["units"], city["figures"], settings_def.Settings(values), WEEKS)


def _outside(city: dict[str, Any]) -> tuple[set[str], list[str]]:
    units = city["units"]
    allowed = set(UnitTree(units).subtree(city["viewer"].scope_code))
    outside = [n for c, n in zip(units["code"], units["name"], strict=True) if c not in allowed]
    return allowed, outside


def _zip_text(data: bytes) -> str:
    """Every XML part of an Office file as text: tags removed (a name split over runs still
    shows) and character references resolved."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        parts = [
            book.read(n).decode("utf-8", "replace") for n in book.namelist() if n.endswith(".xml")
        ]
    return html.unescape(re.sub(r"<[^>]+>", "", "".join(parts)))  # openpyxl writes &#nnnn;


def _leaks(text: str, outside: list[str]) -> list[str]:
    return [name for name in outside if name in text]


def _codes(frame: pd.DataFrame | None, column: str) -> set[str]:
    if frame is None or frame.empty or column not in frame:
        return set()
    return set(frame[column].dropna().astype(str))


def _report(city: dict[str, Any]) -> door.WeekReport:
    return door.week_report(
        None,  # given inputs and a checked request: no database
        WEEKS[-1],
        None,
        given=_inputs(city),
        checked=True,
        weeks=None,
        history_codes=list(city["units"]["code"]),
        viewer=city["viewer"],
    )


# no shrinking: a failing example is printed as drawn (shrinking a city takes minutes)
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
RUNS = settings(
    max_examples=25,
    deadline=None,
    phases=NO_SHRINK,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@RUNS
@given(city=cities())
def test_every_door_result_chart_and_table_stays_inside(city: dict[str, Any]) -> None:
    allowed, outside = _outside(city)
    viewer, data = city["viewer"], _inputs(city)
    week = _report(city)
    assert _codes(week.units, "code") == allowed
    for frame, column in ((week.lagging, "unit_code"), (week.subtrees, "code")):
        assert _codes(frame, column) <= allowed
    assert set(week.not_reported) <= allowed and set(week.stalled) <= allowed
    assert _codes(getattr(week, "history", None), "unit_code") <= allowed
    words = " ".join(week.findings) + " ".join(week.subtrees.get("detail", []))
    assert not _leaks(words, outside) and "全市" not in words
    assert week.scope_name == city["units"].set_index("code").at[viewer.scope_code, "name"]
    grid = door.status_grid(None, WEEKS[-1], 3, None, given=data, viewer=viewer)
    assert set(grid.index.astype(str)) <= allowed
    assert set(door.scope_units(None, None, units=city["units"], viewer=viewer)["code"]) == allowed
    trends = door.level_trends(None, WEEKS[-1], None, given=data, viewer=viewer)
    assert not _leaks(trends.to_json(force_ascii=False), outside)
    history = door.units_history(
        None, WEEKS[-1], list(city["units"]["code"]), given=data, viewer=viewer
    )
    assert _codes(history, "unit_code") <= allowed
    for item in briefing.board_charts(week):  # every chart of the board and the briefing
        shown = item.figure.to_json()
        assert not _leaks(shown.encode().decode("unicode_escape"), outside), item.name
        assert "全市" not in shown.encode().decode("unicode_escape"), item.name
    for figure in (charts.heat_by_level(week), charts.ranking_bars(week)):
        assert not _leaks(figure.to_json().encode().decode("unicode_escape"), outside)
    downloads = [  # what the pages' table download buttons write
        tables.xlsx_bytes(workbook.rankings_frame(week)),
        tables.xlsx_bytes(workbook.lagging_frame(week)),
        tables.xlsx_bytes(workbook.reminder_frame(week)),
        tables.xlsx_bytes(week.units),
        workbook.write_xlsx(week),  # the Excel briefing
    ]
    for data_bytes in downloads:
        text = _zip_text(data_bytes)
        assert not _leaks(text, outside)
        assert "全市" not in text


@settings(
    max_examples=5,
    deadline=None,
    phases=NO_SHRINK,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(city=cities())
def test_word_and_powerpoint_briefings_stay_inside(city: dict[str, Any], monkeypatch) -> None:
    monkeypatch.setattr(images, "to_png", lambda *args, **kwargs: _BLANK_PNG)
    _allowed, outside = _outside(city)
    week = _report(city)
    for fmt in ("docx", "pptx"):
        text = _zip_text(briefing.render_report(week, fmt))
        assert not _leaks(text, outside), fmt
        assert "全市" not in text, fmt
        assert week.scope_name in text


@settings(max_examples=5, deadline=None, phases=NO_SHRINK)
@given(city=cities())
def test_the_leak_check_itself_catches_a_leak(city: dict[str, Any]) -> None:
    """The property is not vacuous: the office's (unscoped) report of the same city names
    the units a scoped user must not see, and the check finds them."""
    _allowed, outside = _outside(city)
    city["viewer"] = door.Viewer("办公室", "office", None)
    assert _leaks(_zip_text(workbook.write_xlsx(_report(city))), outside)


def test_a_part_of_the_city_is_never_called_the_whole_city() -> None:
    from dashboard.core import gradient, report
    from tests.export.conftest import units_frame

    units = units_frame()
    assert report.reference_area(units) == gradient.WHOLE_CITY
    county = units[units["code"].isin(["01", "0101", "0102", "010101", "010102"])]
    assert report.reference_area(county) == "东城县"
    stats = pd.DataFrame({"mean": [80.0, 70.0]}, index=[2, 3])
    text = gradient.subtree_detail("01", ("整体偏冷", 5.0, 0, 1), stats, None, [], {}, "东城县")
    assert "东城县同级" in text and "全市" not in text
