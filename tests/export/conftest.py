"""A hand-built city whose numbers are known, for the briefing exports.

Tree: 示范市 (L1) → 东城县 01, 西山区 02 (L2) → 东一镇 0101, 东二镇 0102, 西一镇 0201 (L3)
→ 东一村 010101, 东二村 010102, 西一村 020101 (L4).  Two report weeks; in the second,
西一镇 and 东二村 do not report.

Known figures for 2023-10-27 (carried values for the two that did not report):
应报 9、已报 7、报送率 77.8%（上周 100% → 下降22.2个百分点）;
检视问题 90、已销号 50（上周 36）→ 问题销号率 55.6%（上周 40.0% → 提高15.6个百分点）;
读书班 35 期（上周 19 → 本周新增 16）; 措施落实率 71.1%; 调研报告完成率 88.9%.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, insert

from dashboard.core import settings as settings_def
from dashboard.core.catalogue import INDICATOR_CODES
from dashboard.core.report import WeekReport, build_report
from dashboard.store import repo, returns_repo
from dashboard.store.schema import units as units_table

WEEK1 = dt.date(2023, 10, 20)
WEEK2 = dt.date(2023, 10, 27)
SILENT = {"0201", "010102"}  # no return in WEEK2

UNITS: list[tuple[str, str, str | None, str, int]] = [
    ("0", "示范市", None, "党政机关", 1),
    ("01", "东城县", "0", "党政机关", 2),
    ("02", "西山区", "0", "党政机关", 2),
    ("0101", "东一镇", "01", "乡镇（街道）", 3),
    ("0102", "东二镇", "01", "乡镇（街道）", 3),
    ("0201", "西一镇", "02", "乡镇（街道）", 3),
    ("010101", "东一村", "0101", "村（社区）", 4),
    ("010102", "东二村", "0101", "村（社区）", 4),
    ("020101", "西一村", "0201", "村（社区）", 4),
]
FACTOR = {1: 4, 2: 3, 3: 2, 4: 1}


def units_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "code": code,
                "name": name,
                "parent_code": parent,
                "category": category,
                "aliases": "",
                "level": level,
                "sort_order": i,
                "retired": False,
            }
            for i, (code, name, parent, category, level) in enumerate(UNITS)
        ]
    )


def unit_figures(level: int, week: int) -> dict[str, int | None]:
    f = FACTOR[level]
    values: dict[str, int | None] = dict.fromkeys(INDICATOR_CODES, 0)
    values.update(
        reading_classes=week * f,
        reading_days=3 * week * f,
        study_sessions=2 * week * f,
        party_lectures=week * f,
        survey_topics=2,
        survey_reports=week,
        typical_cases=1,
        problems_found=10,
        problems_closed=4 if week == 1 else 6,
        measures_set=5,
        measures_done=2 if week == 1 else 4,
        deeds_done=week * f,
        opinions=3,
        rules_made=week,
    )
    return values


def figure_rows() -> list[dict[str, Any]]:
    rows = []
    for code, _name, _parent, _cat, level in UNITS:
        rows.append({"unit_code": code, "report_date": WEEK1, "figures": unit_figures(level, 1)})
        if code not in SILENT:
            rows.append(
                {"unit_code": code, "report_date": WEEK2, "figures": unit_figures(level, 2)}
            )
    return rows


def figures_frame() -> pd.DataFrame:
    rows = figure_rows()
    head = pd.DataFrame(
        {
            "unit_code": pd.Series([r["unit_code"] for r in rows], dtype="str"),
            "report_date": pd.to_datetime(
                pd.Series([r["report_date"] for r in rows], dtype="object")
            ),
        }
    )
    values = pd.DataFrame.from_records([r["figures"] for r in rows], columns=list(INDICATOR_CODES))
    return pd.concat([head, values.astype("Int64")], axis=1)


def settings_values(**changes: Any) -> settings_def.Settings:
    values = settings_def.defaults()
    values.update(city_name="示范市", office_name="示范市主题教育领导小组办公室", briefing_issue=8)
    # the hand-built city has 2 townships per county: judge levels of 2+ units
    values.update(gradient_min_units=2)
    values.update(changes)
    return settings_def.Settings(values)


def make_report(scope: str | None = None, **settings_changes: Any) -> WeekReport:
    return build_report(
        units_frame(), figures_frame(), settings_values(**settings_changes), WEEK2, scope
    )


@pytest.fixture
def report() -> WeekReport:
    return make_report()


def fill_database(engine: Engine) -> Engine:
    """Store the hand-built city in ``engine`` (registry, both weeks, settings)."""
    with engine.begin() as conn:
        conn.execute(insert(units_table), units_frame().to_dict("records"))
    for week in (WEEK1, WEEK2):
        rows = [
            returns_repo.FigureRow(
                unit_code=r["unit_code"],
                report_date=week,
                figures=r["figures"],
                sheet=None,
                row=None,
            )
            for r in figure_rows()
            if r["report_date"] == week
        ]
        returns_repo.save_upload(
            engine,
            file_name=f"{week}.xlsx",
            content=f"return {week}".encode(),
            status="imported",
            rows=rows,
            report_date=week,
        )
    repo.set_settings(
        engine,
        {
            k: v
            for k, v in settings_values().items()
            if k in ("city_name", "office_name", "briefing_issue")
        },
    )
    return engine


@pytest.fixture
def city_engine(engine: Engine) -> Engine:
    return fill_database(engine)


# The same city with the long names real registries carry (departments, schools, hospitals).
LONG_NAMES: dict[str, str] = {
    "0": "示范市",
    "01": "中共示范市委员会全面深化改革委员会办公室（市委改革办）",
    "02": "示范市西山区经济技术开发区管理委员会党工委",
    "0101": "东城县人民政府东一镇街道办事处社区卫生服务中心党支部委员会",
    "0102": "东城县东二镇农业农村综合服务中心（乡村振兴工作站）",
    "0201": "西山区西一镇人民政府党政综合办公室（党建工作办公室）",
    "010101": "东一镇东一村股份经济合作社党总支部委员会第一党小组",
    "010102": "东一镇东二村（社区）居民委员会网格化服务管理中心党支部",
    "020101": "西一镇西一村村民委员会（村级集体经济发展服务站）党支部",
}


def make_long_report(scope: str | None = None) -> WeekReport:
    units = units_frame()
    units["name"] = units["code"].map(LONG_NAMES)
    return build_report(units, figures_frame(), settings_values(), WEEK2, scope)
