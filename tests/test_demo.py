"""The demo city: deterministic files, the patterns the pages rely on, a clean load."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from dashboard import demo
from dashboard.ingest.registry_file import parse_registry
from dashboard.store import repo


@pytest.fixture(scope="module")
def fresh() -> dict[str, bytes]:
    return demo.generate_files()


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    return demo.series_frame()


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    registry = parse_registry(demo.REGISTRY_FILE, (demo.DEMO_DIR / demo.REGISTRY_FILE).read_bytes())
    assert registry.ok, registry.errors[:3]
    frame = registry.frame.copy()
    frame["county"] = [
        code[:4] if len(code) >= 4 else None for code in frame["code"]
    ]  # codes are hierarchical: the first four characters name the level-2 unit
    return frame


def test_committed_files_equal_a_fresh_generation(fresh: dict[str, bytes]) -> None:
    committed = {p.name: p.read_bytes() for p in demo.DEMO_DIR.glob("*.xlsx")}
    assert set(committed) == set(fresh)
    for name, content in fresh.items():
        assert committed[name] == content, (
            f"{name} differs: run python -m dashboard demo --regenerate"
        )
    assert sum(len(c) for c in fresh.values()) < 4_000_000


def test_generator_is_deterministic(series: pd.DataFrame) -> None:
    first = demo.build_registry(random.Random(demo.SEED))
    second = demo.build_registry(random.Random(demo.SEED))
    assert first == second
    pd.testing.assert_frame_equal(series, demo.series_frame())


def test_registry_shape(units: pd.DataFrame) -> None:
    assert 1300 <= len(units) <= 1700
    counts = units["level"].value_counts().to_dict()
    assert counts[1] == 1 and 28 <= counts[2] <= 36 and counts[4] > counts[3] > counts[2]
    assert units["code"].str.startswith("0").all()
    assert units["name"].is_unique
    assert (units["aliases"] != "").sum() > 100
    assert {
        "党政机关",
        "乡镇（街道）",
        "村（社区）",
        "学校",
        "医院",
        "国有企业",
        "两新组织",
    } == set(units["category"])
    assert units.set_index("code").loc[demo.COLD_COUNTY_CODE, "level"] == 2


def test_cumulative_and_rules_hold(series: pd.DataFrame) -> None:
    assert (series["problems_closed"] <= series["problems_found"]).all()
    assert (series["measures_done"] <= series["measures_set"]).all()
    assert (series["survey_reports"] <= series["survey_topics"]).all()
    numbers = series.drop(columns="report_date").set_index("unit_code").astype("float")
    steps = numbers.groupby(level=0).diff().dropna(how="all")
    assert (steps.fillna(0) >= 0).all().all()


def _closure_by_county(series: pd.DataFrame, units: pd.DataFrame, level: int) -> pd.Series:
    last = series[series["report_date"] == demo.REPORT_DATES[-1]]
    merged = last.merge(units, left_on="unit_code", right_on="code")
    merged = merged[merged["level"] == level]
    sums = merged.groupby("county")[["problems_closed", "problems_found"]].sum()
    return sums["problems_closed"] / sums["problems_found"]


def test_cold_county_grassroots_are_clearly_colder(
    series: pd.DataFrame, units: pd.DataFrame
) -> None:
    villages = _closure_by_county(series, units, 4)
    others = villages.drop([demo.COLD_COUNTY_CODE, demo.WARM_COUNTY_CODE])
    assert villages[demo.COLD_COUNTY_CODE] < 0.6 * others.min()
    assert villages[demo.WARM_COUNTY_CODE] > others.max()
    # the cold county's villages barely move week to week
    village_codes = units.loc[(units["level"] == 4), ["code", "county"]]
    moved = series.merge(village_codes, left_on="unit_code", right_on="code")
    sessions = moved.groupby(["county", "report_date"])["study_sessions"].mean().unstack()
    growth = sessions.iloc[:, -1] - sessions.iloc[:, 0]
    assert growth[demo.COLD_COUNTY_CODE] < 0.3 * growth.drop(demo.COLD_COUNTY_CODE).min()


def test_rates_fade_down_the_levels(series: pd.DataFrame, units: pd.DataFrame) -> None:
    last = series[series["report_date"] == demo.REPORT_DATES[-1]].merge(
        units, left_on="unit_code", right_on="code"
    )
    mild = last[last["county"] != demo.COLD_COUNTY_CODE]
    sums = mild.groupby("level")[
        ["problems_closed", "problems_found", "survey_reports", "survey_topics"]
    ].sum()
    closure = sums["problems_closed"] / sums["problems_found"]
    reports = sums["survey_reports"] / sums["survey_topics"]
    assert closure[1] > closure[3] > closure[4]
    assert reports[2] > reports[3] > reports[4]
    coverage = (mild["reading_classes"] > 0).groupby(mild["level"]).mean()
    assert coverage[1] >= coverage[2] > coverage[3] > coverage[4]


def test_stalled_units_are_flat_for_three_weeks_or_more(series: pd.DataFrame) -> None:
    numbers = series.set_index(["unit_code", "report_date"]).sort_index()
    for code in demo.STALLED_UNIT_CODES:
        weeks = numbers.loc[code]
        tail = weeks.iloc[demo.STALL_FROM_WEEK - 2 :]
        assert len(tail) >= 4
        assert (tail.nunique(dropna=False) == 1).all(), code
        assert not (weeks.iloc[: demo.STALL_FROM_WEEK - 1].nunique() == 1).all(), code


def test_missing_units_are_left_out_of_those_weeks(series: pd.DataFrame) -> None:
    present = set(zip(series["unit_code"], series["report_date"], strict=True))
    assert len(demo.MISSING_UNIT_WEEKS) >= 5
    for code, days in demo.MISSING_UNIT_WEEKS.items():
        for day in demo.REPORT_DATES:
            assert ((code, day) in present) == (day not in days), (code, day)


def test_load_demo_imports_everything(engine) -> None:
    outcome = demo.load_demo(engine)
    assert set(outcome["returns"].values()) == {"imported"}
    assert len(outcome["returns"]) == demo.WEEKS
    values = repo.get_settings(engine)
    assert values["city_name"] == demo.CITY_NAME and values["report_weekday"] == 5
    stored = repo.load_figures(engine)
    expected = demo.series_frame()
    assert len(stored) == len(expected)
    assert [d.date() for d in sorted(stored["report_date"].unique())] == list(demo.REPORT_DATES)
    one = stored[
        (stored["unit_code"] == demo.COLD_COUNTY_CODE)
        & (stored["report_date"] == pd.Timestamp(demo.REPORT_DATES[-1]))
    ].iloc[0]
    want = expected[
        (expected["unit_code"] == demo.COLD_COUNTY_CODE)
        & (expected["report_date"] == demo.REPORT_DATES[-1])
    ].iloc[0]
    assert int(one["problems_found"]) == int(want["problems_found"])
    assert demo.load_demo(engine)["units"] == len(repo.load_units(engine))  # idempotent
    assert len(repo.load_figures(engine)) == len(expected)


def test_report_core_flags_the_cold_county_only(series: pd.DataFrame, units: pd.DataFrame) -> None:
    from dashboard.core import settings as settings_def
    from dashboard.core.catalogue import INDICATOR_CODES
    from dashboard.core.report import build_report

    figures = series.copy()
    figures["report_date"] = pd.to_datetime(figures["report_date"])
    figures[list(INDICATOR_CODES)] = figures[list(INDICATOR_CODES)].astype("Int64")
    frame = units.drop(columns=["county", "row"]).assign(retired=False)
    report = build_report(frame, figures, settings_def.Settings())
    subtrees = report.subtrees.set_index("code")
    counties = [f"01{i:02d}" for i in range(1, 13)]
    assert subtrees.loc[demo.COLD_COUNTY_CODE, "flagged"]
    assert not subtrees.loc[demo.WARM_COUNTY_CODE, "flagged"]
    assert subtrees.loc[counties, "flagged"].sum() <= 3
    heat = report.units.groupby("level")["heat"].mean()
    assert heat[1] > heat[2] > heat[3] > heat[4]
    assert set(demo.STALLED_UNIT_CODES) <= set(report.stalled)
    last = demo.REPORT_DATES[-1]
    assert {c for c, days in demo.MISSING_UNIT_WEEKS.items() if last in days} <= set(
        report.not_reported
    )
