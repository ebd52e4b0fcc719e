"""Per unit × week measures on a tiny hand-made registry (answers worked out by hand)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.core import metrics
from dashboard.core.catalogue import INDICATOR_CODES

W1, W2, W3 = dt.date(2023, 10, 13), dt.date(2023, 10, 20), dt.date(2023, 10, 27)


def units() -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            ("1", "市", None, "党政机关", 1, False),
            ("11", "县", "1", "党政机关", 2, False),
            ("111", "镇甲", "11", "乡镇（街道）", 3, False),
            ("112", "镇乙", "11", "乡镇（街道）", 3, False),
            ("113", "已撤销镇", "11", "乡镇（街道）", 3, True),
        ],
        columns=["code", "name", "parent_code", "category", "level", "retired"],
    )
    frame["aliases"] = ""
    frame["sort_order"] = range(len(frame))
    return frame


def row(code: str, day: dt.date, **values: int) -> dict:
    out: dict = {"unit_code": code, "report_date": pd.Timestamp(day)}
    out.update(dict.fromkeys(INDICATOR_CODES, pd.NA))
    out.update(values)
    return out


def figures() -> pd.DataFrame:
    rows = [
        # 市: found 10 → 10 → 12, closed 2 → 4 → 4, one reading class all along.
        row("1", W1, problems_found=10, problems_closed=2, reading_classes=1),
        row("1", W2, problems_found=10, problems_closed=4, reading_classes=1),
        row("1", W3, problems_found=12, problems_closed=4, reading_classes=1),
        # 县: 5/5 in W1, an all-blank row in W2 (= not reported), 5/5 again in W3.
        row("11", W1, problems_found=5, problems_closed=5),
        row("11", W2),
        row("11", W3, problems_found=5, problems_closed=5),
        # 镇乙: explicit zeros in W1 only.
        row("112", W1, problems_found=0, problems_closed=0),
        # 已撤销镇 reports but is not expected.
        row("113", W3, problems_found=3),
    ]
    frame = pd.DataFrame(rows)
    for code in INDICATOR_CODES:
        frame[code] = frame[code].astype("Int64")
    return frame


@pytest.fixture
def panel() -> pd.DataFrame:
    data = metrics.panel(units(), figures(), [W1, W2, W3], stall_weeks=2)
    return data.set_index(["unit_code", data["report_date"].dt.date])


def test_report_dates_skip_blank_rows_and_respect_until() -> None:
    assert metrics.report_dates(figures()) == [W1, W2, W3]
    assert metrics.report_dates(figures(), until=W2) == [W1, W2]


def test_retired_units_are_not_expected(panel: pd.DataFrame) -> None:
    assert set(panel.index.get_level_values(0)) == {"1", "11", "111", "112"}
    assert len(panel) == 4 * 3


def test_reported_flag_needs_one_non_blank_figure(panel: pd.DataFrame) -> None:
    assert list(panel.loc["1", "reported"]) == [True, True, True]
    assert list(panel.loc["11", "reported"]) == [True, False, True]  # W2 row is all blank
    assert list(panel.loc["111", "reported"]) == [False, False, False]  # no row at all
    assert list(panel.loc["112", "reported"]) == [True, False, False]  # zeros are a return


def test_carried_values_and_increments(panel: pd.DataFrame) -> None:
    city = panel.loc["1"]
    assert list(city["problems_found"]) == [10, 10, 12]
    # inc W2 = 10 − 10 = 0 and 4 − 2 = 2; inc W3 = 12 − 10 = 2 and 4 − 4 = 0; W1 has no past.
    assert pd.isna(city.loc[W1, "inc_problems_found"])
    assert city.loc[W2, "inc_problems_closed"] == 2
    assert city.loc[W3, "inc_problems_found"] == 2
    assert city.loc[W3, "inc_problems_closed"] == 0
    county = panel.loc["11"]
    # W2 blank: the reported value is missing, the carried one stays 5, no increment.
    assert pd.isna(county.loc[W2, "problems_found"])
    assert county.loc[W2, "cur_problems_found"] == 5
    assert pd.isna(county.loc[W2, "inc_problems_found"])
    # W3 = 5 − carried 5 of W2 = 0.
    assert county.loc[W3, "inc_problems_found"] == 0


def test_rates_from_carried_values(panel: pd.DataFrame) -> None:
    # closure 4 / 12 = 0.3333; no survey topics → report_rate undefined.
    assert panel.loc[("1", W3), "closure_rate"] == pytest.approx(4 / 12)
    assert pd.isna(panel.loc[("1", W3), "report_rate"])
    assert panel.loc[("11", W3), "closure_rate"] == 1.0
    # 0 found → rate undefined, not 0.
    assert pd.isna(panel.loc[("112", W1), "closure_rate"])
    assert bool(panel.loc[("1", W3), "has_reading"]) is True
    assert bool(panel.loc[("11", W3), "has_reading"]) is False


def test_moved_and_stalled_over_the_window(panel: pd.DataFrame) -> None:
    # City W3 vs W1: found 12 > 10 and closed 4 > 2 rose; reading 1 = 1 did not → 2 moved.
    assert panel.loc[("1", W3), "moved"] == 2
    # Before two weeks of history the window cannot be judged.
    assert pd.isna(panel.loc[("1", W2), "moved"])
    # County W3 vs W1: 5 → 5, 5 → 5: nothing moved and it reported → stalled.
    assert panel.loc[("11", W3), "moved"] == 0
    assert bool(panel.loc[("11", W3), "stalled"]) is True
    # Not reported is not "stalled" (it is "not reported").
    assert bool(panel.loc[("111", W3), "stalled"]) is False
    assert panel.loc[("111", W3), "moved"] == 0


def test_missing_streak(panel: pd.DataFrame) -> None:
    assert list(panel.loc["111", "missing_weeks"]) == [1, 2, 3]
    assert list(panel.loc["11", "missing_weeks"]) == [0, 1, 0]
    assert list(panel.loc["112", "missing_weeks"]) == [0, 1, 2]


def test_closing_pace(panel: pd.DataFrame) -> None:
    # W2: (4 − 2) closed over 1 week = 2/week; W3: (4 − 2) over the 2 weeks since W1 = 1/week.
    assert pd.isna(panel.loc[("1", W1), "closing_pace"])
    assert panel.loc[("1", W2), "closing_pace"] == pytest.approx(2.0)
    assert panel.loc[("1", W3), "closing_pace"] == pytest.approx(1.0)


def test_totals_and_rates_over_rows(panel: pd.DataFrame) -> None:
    week3 = panel.xs(W3, level=1)
    # Σ carried found = 12 (市) + 5 (县) + 0 (镇乙, carried from W1) = 17; closed 4 + 5 + 0 = 9.
    sums = metrics.totals(week3)
    assert sums["problems_found"] == 17
    assert sums["problems_closed"] == 9
    rates = metrics.rate_values(week3)
    assert rates["closure_rate"] == pytest.approx(9 / 17)
    assert rates["report_rate"] is None
    # 1 of 4 expected units has a reading class.
    assert rates["reading_coverage"] == pytest.approx(0.25)


def test_status_grid_tells_reported_zero_and_missing_apart() -> None:
    grid = metrics.status_grid(units(), figures(), [W1, W2, W3])
    assert list(grid.index) == ["1", "11", "111", "112"]
    assert list(grid.loc["1"]) == ["已报", "已报", "已报"]
    assert list(grid.loc["11"]) == ["已报", "未报", "已报"]
    assert list(grid.loc["112"]) == ["零报告", "未报", "未报"]
    assert list(grid.loc["111"]) == ["未报", "未报", "未报"]


def test_a_window_of_weeks_gives_the_same_answers_as_the_full_history(panel) -> None:
    # Rows before the window only provide the starting values: W2 and W3 must come out
    # exactly as when every week is in the panel.
    window = metrics.panel(units(), figures(), [W2, W3], stall_weeks=2, all_dates=[W1, W2, W3])
    window = window.set_index(["unit_code", window["report_date"].dt.date])
    columns = [*metrics.CUR, *metrics.INC, "reported", "moved", "missing_weeks", "closure_rate"]
    expected = panel.loc[window.index, columns]
    pd.testing.assert_frame_equal(window[columns], expected, check_dtype=False)
    # Pace needs history inside the window: W3 looks back 1 week (to W2) here: (4 − 4)/1 = 0.
    assert window.loc[("1", W3), "closing_pace"] == 0.0
