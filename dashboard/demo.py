"""The demo city 青川市 (fictional): a registry and eight weekly returns, and loading them.

``generate()`` writes ``data/demo/`` deterministically (seeded): ``registry.xlsx`` with about
1,500 units over four levels and ``周报_YYYY-MM-DD.xlsx`` for eight Fridays, in the template
layout of ``dashboard.export.template``.  Every name is invented.

Patterns built in, so every page has something to show:
- 上热中温下冷: closure/measure/report rates, reading-class coverage and weekly movement
  fade level by level; in most counties only mildly (within what the gradient judges noise
  against the spread of heat within the levels).
- ``COLD_COUNTY_CODE``: a county whose grassroots are clearly cold (villages barely move,
  low closure).  ``WARM_COUNTY_CODE``: a county whose grassroots are as active as the top.
- ``STALLED_UNIT_CODES``: units whose figures stop moving for the last four weeks.
- ``MISSING_UNIT_WEEKS``: units left out of some weeks' returns.
Figures are cumulative, never decrease, and never break the error rules.

``load_demo(engine)`` imports the registry, sets the campaign settings and imports each
weekly return through the ingest pipeline.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from sqlalchemy import Engine

from dashboard.core.catalogue import INDICATOR_CODES
from dashboard.export import template
from dashboard.store.db import PROJECT_ROOT

__all__ = [
    "CAMPAIGN_NAME",
    "CITY_CODE",
    "CITY_DEPARTMENTS",
    "CITY_NAME",
    "COLD_ACTIVITY",
    "COLD_COUNTY_CODE",
    "COLD_QUALITY",
    "COUNTIES",
    "COUNTY_DEPARTMENTS",
    "DEMO_DIR",
    "DEPARTMENT_UNIT",
    "END_DATE",
    "LEVEL_ACTIVITY",
    "LEVEL_QUALITY",
    "LEVEL_SCALE",
    "MISSING_UNIT_WEEKS",
    "REGISTRY_FILE",
    "REPORT_DATES",
    "REPORT_WEEKDAY",
    "SEED",
    "STALLED_UNIT_CODES",
    "STALL_FROM_WEEK",
    "START_DATE",
    "WARM_ACTIVITY",
    "WARM_COUNTY_CODE",
    "WARM_QUALITY",
    "WEEKS",
    "DemoLoadError",
    "build_registry",
    "demo_files",
    "demo_series",
    "generate",
    "generate_files",
    "load_demo",
    "registry_workbook",
    "return_file_name",
    "series_frame",
    "stable_xlsx",
    "unit_series",
    "units_frame",
    "week_values",
]

DEMO_DIR = PROJECT_ROOT / "data" / "demo"
REGISTRY_FILE = "registry.xlsx"
SEED = 20230915
CITY_CODE = "01"
CITY_NAME = "青川市"
CAMPAIGN_NAME = "青川市学习贯彻习近平新时代中国特色社会主义思想主题教育"
REPORT_WEEKDAY = 5
START_DATE = dt.date(2023, 9, 1)
END_DATE = dt.date(2024, 1, 31)
WEEKS = 8
REPORT_DATES: tuple[dt.date, ...] = tuple(
    dt.date(2023, 9, 15) + dt.timedelta(days=7 * i) for i in range(WEEKS)
)

COLD_COUNTY_CODE = "0107"  # 松桥县: grassroots clearly cold
WARM_COUNTY_CODE = "0104"  # 河阳县: grassroots as active as the top
STALL_FROM_WEEK = 5  # 1-based: figures of weeks 5..8 equal week 4
STALLED_UNIT_CODES: tuple[str, ...] = (
    "0102",
    "010305",
    "01050203",
    "01090106",
    "01110404",
    "015502",
)
MISSING_UNIT_WEEKS: dict[str, tuple[dt.date, ...]] = {
    "0160": (REPORT_DATES[5],),
    "010202": (REPORT_DATES[7],),
    "010603": (REPORT_DATES[3], REPORT_DATES[4]),
    "01010205": (REPORT_DATES[6],),
    "01030401": (REPORT_DATES[7],),
    "01080302": (REPORT_DATES[2], REPORT_DATES[7]),
    "01100107": (REPORT_DATES[1],),
    "01120201": (REPORT_DATES[5], REPORT_DATES[6], REPORT_DATES[7]),
    "016203": (REPORT_DATES[4],),
}

COUNTIES: tuple[tuple[str, str], ...] = (
    ("青湖区", "district"),
    ("川东区", "district"),
    ("柳溪区", "district"),
    ("河阳县", "county"),
    ("白岩县", "county"),
    ("云岭县", "county"),
    ("松桥县", "county"),
    ("芦源县", "county"),
    ("鹤鸣县", "county"),
    ("桐溪县", "county"),
    ("岚溪县", "county"),
    ("枫林县", "county"),
)
# (name, alias, category, children: (kind, count))
CITY_DEPARTMENTS: tuple[tuple[str, str, str, tuple[tuple[str, int], ...]], ...] = (
    ("中共青川市委组织部", "市委组织部", "党政机关", (("branch", 2), ("twonew", 6))),
    ("中共青川市委宣传部", "市委宣传部", "党政机关", (("branch", 2),)),
    ("青川市纪委监委机关", "市纪委监委", "党政机关", (("branch", 3),)),
    ("青川市发展和改革委员会", "市发改委", "党政机关", (("branch", 2),)),
    ("青川市教育局", "市教育局", "党政机关", (("school", 7),)),
    ("青川市财政局", "市财政局", "党政机关", (("branch", 2),)),
    ("青川市人力资源和社会保障局", "市人社局", "党政机关", (("branch", 2),)),
    ("青川市自然资源和规划局", "市自然资源局", "党政机关", (("branch", 2),)),
    ("青川市住房和城乡建设局", "市住建局", "党政机关", (("branch", 2),)),
    ("青川市交通运输局", "市交通局", "党政机关", (("branch", 2),)),
    ("青川市农业农村局", "市农业农村局", "党政机关", (("branch", 2),)),
    ("青川市卫生健康委员会", "市卫健委", "党政机关", (("hospital", 5),)),
    ("青川市市场监督管理局", "市市场监管局", "党政机关", (("branch", 2),)),
    ("青川市国有资产监督管理委员会", "市国资委", "党政机关", (("soe", 5),)),
    ("青川学院", "", "学校", (("branch", 3),)),
    ("青川市第一中学", "市一中", "学校", (("branch", 2),)),
    ("青川市人民医院", "市人民医院", "医院", (("branch", 3),)),
    ("青川市中医院", "市中医院", "医院", (("branch", 2),)),
    ("青川城市投资集团有限公司", "青川城投", "国有企业", (("branch", 3),)),
    ("青川交通发展集团有限公司", "青川交发集团", "国有企业", (("branch", 2),)),
)
COUNTY_DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("委组织部", ""),
    ("委宣传部", ""),
    ("发展和改革局", ""),
    ("教育局", "school"),
    ("财政局", ""),
    ("农业农村局", ""),
    ("卫生健康局", "hospital"),
)
_FIRST = "青柳杏桃李梅松竹石沙河湖溪泉山岭坪坝岗塘田庄林花芦荷枫桂兰云龙凤鹤雁金银玉宝安平"
_SECOND = "园坪湾口桥岭岗河溪塘源湖山林沟坝洲庄峰台冲垭寨铺集店营堡埠滩阳丰兴旺和福新家头井"
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅志海燕玲晓东文斌"
_FIXED_ZIP_TIME = (2023, 9, 1, 0, 0, 0)

# Two knobs per level (0–1).  "activity" drives how much a unit does and how often its
# figures move; "quality" drives its rates (problems closed, measures done, reports finished)
# and reading-class coverage.  Villages' activity is set a little higher because their small
# numbers move less often anyway.  Most counties fade mildly, the cold county steeply at its
# grassroots, the warm county not at all; city departments' own units fade little.
LEVEL_ACTIVITY = {1: 1.0, 2: 0.76, 3: 0.86, 4: 0.96}
LEVEL_QUALITY = {1: 0.96, 2: 0.91, 3: 0.88, 4: 0.86}
COLD_ACTIVITY = {1: 1.0, 2: 0.8, 3: 0.45, 4: 0.1}
COLD_QUALITY = {1: 0.97, 2: 0.88, 3: 0.55, 4: 0.28}
WARM_ACTIVITY = {1: 1.0, 2: 0.9, 3: 0.95, 4: 0.97}
WARM_QUALITY = {1: 0.97, 2: 0.93, 3: 0.93, 4: 0.93}
DEPARTMENT_UNIT = {"activity": 0.88, "quality": 0.89}
LEVEL_SCALE = {1: 4.0, 2: 2.0, 3: 1.0, 4: 0.5}


# --------------------------------------------------------------------------- registry


@dataclass
class _Unit:
    code: str
    name: str
    parent: str | None
    category: str
    aliases: str
    level: int
    county: str | None = None  # the level-2 ancestor's code


@dataclass
class _Names:
    """Unique invented two-character place names, drawn without replacement."""

    rng: random.Random
    pool: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pool = [a + b for a in _FIRST for b in _SECOND if a != b]
        self.rng.shuffle(self.pool)

    def take(self) -> str:
        return self.pool.pop()


def build_registry(rng: random.Random) -> list[_Unit]:
    """The demo city's units in registry order (depth first)."""
    names = _Names(rng)
    out = [_Unit(CITY_CODE, "中共青川市委", None, "党政机关", CITY_NAME, 1)]
    for index, (county, kind) in enumerate(COUNTIES, start=1):
        out.extend(_county_units(rng, names, f"{CITY_CODE}{index:02d}", county, kind))
    for index, (name, alias, category, children) in enumerate(CITY_DEPARTMENTS, start=51):
        code = f"{CITY_CODE}{index:02d}"
        out.append(_Unit(code, name, CITY_CODE, category, alias, 2, code))
        number = 1
        for child_kind, count in children:
            for _ in range(count):
                child_name, child_category = _child(names, name, child_kind, number)
                out.append(
                    _Unit(f"{code}{number:02d}", child_name, code, child_category, "", 3, code)
                )
                number += 1
    return out


def _county_units(
    rng: random.Random, names: _Names, code: str, county: str, kind: str
) -> list[_Unit]:
    short = county[:-1]
    units = [_Unit(code, county, CITY_CODE, "党政机关", short, 2, code)]
    townships = rng.randint(8, 11)
    for t in range(1, townships + 1):
        urban = kind == "district" and t <= 4
        suffix = "街道" if urban else ("乡" if rng.random() < 0.3 else "镇")
        base = names.take()
        t_code = f"{code}{t:02d}"
        units.append(
            _Unit(
                t_code,
                base + suffix,
                code,
                "乡镇（街道）",
                f"{base}{suffix}{'党工委' if urban else '党委'}",
                3,
                code,
            )
        )
        for v in range(1, rng.randint(8, 12) + 1):
            village = names.take() + ("社区" if urban else "村")
            alias = f"{village}党支部" if rng.random() < 0.1 else ""
            units.append(_Unit(f"{t_code}{v:02d}", village, t_code, "村（社区）", alias, 4, code))
    for d, (dept, children) in enumerate(COUNTY_DEPARTMENTS, start=51):
        prefix = f"中共{county}" if dept.startswith("委") else county
        d_code = f"{code}{d:02d}"
        units.append(_Unit(d_code, prefix + dept, code, "党政机关", "", 3, code))
        if children == "school":
            for n, school in enumerate(("第一中学", "实验小学"), start=1):
                units.append(_Unit(f"{d_code}{n:02d}", short + school, d_code, "学校", "", 4, code))
        elif children == "hospital":
            for n, hospital in enumerate(("人民医院", "中医院"), start=1):
                units.append(
                    _Unit(f"{d_code}{n:02d}", county + hospital, d_code, "医院", "", 4, code)
                )
    return units


def _child(names: _Names, parent: str, kind: str, number: int) -> tuple[str, str]:
    if kind == "school":
        return f"青川市{names.take()}{('中学', '小学', '职业学校')[number % 3]}", "学校"
    if kind == "hospital":
        return f"青川市{names.take()}{('医院', '卫生院', '妇幼保健院')[number % 3]}", "医院"
    if kind == "soe":
        return (
            f"青川{names.take()}{('实业', '水务', '能源', '建设', '旅游')[number % 5]}有限公司",
            "国有企业",
        )
    if kind == "twonew":
        return (
            f"青川市{names.take()}{('科技有限公司党支部', '商会党委', '协会党支部')[number % 3]}",
            "两新组织",
        )
    return f"{parent}机关第{'一二三四五'[number - 1]}党支部", "党政机关"


def registry_workbook(units: list[_Unit]) -> Workbook:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "单位名册"
    sheet.append([f"{CITY_NAME}主题教育单位名册（演示数据，单位名称均为虚构）"])
    sheet.append(["单位编码", "单位名称", "上级单位编码", "类别", "别名"])
    for unit in units:
        sheet.append([unit.code, unit.name, unit.parent or "", unit.category, unit.aliases])
    for row in sheet.iter_rows(min_row=3, max_col=3):
        for cell in row:
            cell.number_format = "@"
    for column, width in zip("ABCDE", (14, 34, 14, 14, 24), strict=True):
        sheet.column_dimensions[column].width = width
    return book


# --------------------------------------------------------------------------- figures


def _knobs(unit: _Unit, rng: random.Random) -> tuple[float, float]:
    """(activity, quality) of one unit, with a little individual noise."""
    level = min(unit.level, 4)
    activity, quality = LEVEL_ACTIVITY[level], LEVEL_QUALITY[level]
    if unit.county == COLD_COUNTY_CODE:
        activity, quality = COLD_ACTIVITY[level], COLD_QUALITY[level]
    elif unit.county == WARM_COUNTY_CODE:
        activity, quality = WARM_ACTIVITY[level], WARM_QUALITY[level]
    elif level == 3 and unit.county is not None and unit.county >= f"{CITY_CODE}51":
        activity, quality = DEPARTMENT_UNIT["activity"], DEPARTMENT_UNIT["quality"]
    spread = 0.03 if level <= 2 else 0.06 if unit.county == COLD_COUNTY_CODE else 0.12
    activity = _clip(activity * (1 + rng.uniform(-spread, spread)), 0.03)
    quality = _clip(quality * (1 + rng.uniform(-spread / 2, spread / 2)), 0.03)
    return activity, quality


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _clip(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return min(high, max(low, value))


def unit_series(unit: _Unit, rng: random.Random) -> list[dict[str, int | None]]:
    """The unit's cumulative figures for each of the eight weeks."""
    a, q = _knobs(unit, rng)
    s = LEVEL_SCALE[min(unit.level, 4)]
    ramp = [((w + 1) / WEEKS) ** 0.8 for w in range(WEEKS)]
    late = [((w + 1) / WEEKS) ** 1.3 for w in range(WEEKS)]
    closure = _clip(q + rng.uniform(-0.08, 0.04))
    done = _clip(q + rng.uniform(-0.06, 0.06))
    report = _clip(q - 0.05 + rng.uniform(-0.08, 0.08))
    extra = rng.uniform(0.2, 0.8)
    topics_final = max(1, round(3 * s * (0.5 + 0.5 * a) + rng.uniform(-0.5, 0.5)))
    classes = _reading_classes(unit, a, q, rng)
    # Fixed per-unit offsets: floor(x + u) rounds a share up without bias, stays monotone in
    # x and never exceeds the bound (x <= bound, u < 1).
    u_report, u_closed, u_done = rng.random(), rng.random(), rng.random()

    totals = dict.fromkeys(
        (
            "study_sessions",
            "party_lectures",
            "typical_cases",
            "deeds_done",
            "opinions",
            "rules_made",
            "problems_found",
        ),
        0,
    )
    vol = s**0.35  # bigger units do more, but villages still move most weeks
    rates = {
        "study_sessions": 1.3 * a * vol,
        "party_lectures": 0.3 * a * vol,
        "typical_cases": 0.25 * a * vol,
        "deeds_done": 0.9 * a * vol,
        "rules_made": 0.18 * a * vol,
    }
    series: list[dict[str, int | None]] = []
    for w in range(WEEKS):
        for code, lam in rates.items():
            if code == "typical_cases" and w < 2 or code == "rules_made" and w < 3:
                continue
            totals[code] += _poisson(rng, lam)
        early = 1.0 if w < 4 else 0.3
        totals["opinions"] += _poisson(rng, 2.0 * vol * (0.3 + 0.7 * a) * early)
        found_weight = 1.0 if w < 5 else 0.35
        totals["problems_found"] += _poisson(rng, 2.0 * vol * (0.4 + 0.6 * a) * found_weight)
        found = totals["problems_found"]
        measures = found + round(found * extra)
        topics = math.ceil(topics_final * min(1.0, 0.4 + 0.2 * w))
        held = [c for c in classes if c[0] <= w]
        series.append(
            {
                "reading_classes": len(held),
                "reading_days": sum(days for _, days in held),
                "study_sessions": totals["study_sessions"],
                "party_lectures": totals["party_lectures"],
                "survey_topics": topics,
                "survey_reports": math.floor(topics * report * late[w] + u_report),
                "typical_cases": totals["typical_cases"],
                "problems_found": found,
                "problems_closed": math.floor(found * closure * ramp[w] + u_closed),
                "measures_set": measures,
                "measures_done": math.floor(measures * done * ramp[w] + u_done),
                "deeds_done": totals["deeds_done"],
                "opinions": totals["opinions"],
                "rules_made": totals["rules_made"],
            }
        )
    return series


def _reading_classes(unit: _Unit, a: float, q: float, rng: random.Random) -> list[tuple[int, int]]:
    """(week index held, days) of each reading class the unit runs."""
    level = min(unit.level, 4)
    if level >= 3 and rng.random() > q:
        return []
    count = {
        1: rng.randint(4, 6),
        2: rng.randint(2, 4),
        3: rng.randint(2, 3),
        4: rng.randint(1, 2),
    }[level]
    latest = WEEKS - 1
    first = min(latest, int((1 - a) * rng.uniform(0, WEEKS)))
    days_range = (1, 3) if level == 4 else (3, 7)
    return sorted((rng.randint(first, latest), rng.randint(*days_range)) for _ in range(count))


def demo_series(units: list[_Unit], rng: random.Random) -> dict[str, list[dict[str, int | None]]]:
    """Every unit's weekly cumulative figures, with the stalls and blanks applied."""
    out: dict[str, list[dict[str, int | None]]] = {}
    for unit in units:
        series = unit_series(unit, rng)
        if unit.code in STALLED_UNIT_CODES:
            frozen = series[STALL_FROM_WEEK - 2]
            series = series[: STALL_FROM_WEEK - 1] + [dict(frozen)] * (WEEKS - STALL_FROM_WEEK + 1)
        if unit.level == 4 and rng.random() < 0.03:
            blank = rng.choice(("typical_cases", "rules_made"))
            series = [{**week, blank: None} for week in series]
        out[unit.code] = series
    return out


def week_values(
    units: list[_Unit],
    series: dict[str, list[dict[str, int | None]]],
    week: int,
    people: dict[str, tuple[str, str]],
) -> dict[str, dict[str, object]]:
    """The rows of one week's return (units missing that week are left out)."""
    day = REPORT_DATES[week]
    values: dict[str, dict[str, object]] = {}
    for unit in units:
        if day in MISSING_UNIT_WEEKS.get(unit.code, ()):
            continue
        reporter, phone = people[unit.code]
        row: dict[str, object] = dict(series[unit.code][week])
        row["reporter"] = reporter
        row["phone"] = phone
        values[unit.code] = row
    return values


def _people(units: list[_Unit], rng: random.Random) -> dict[str, tuple[str, str]]:
    return {
        u.code: (
            rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2))),
            f"{rng.randint(6100000, 6199999)}",
        )
        for u in units
    }


# --------------------------------------------------------------------------- files


def return_file_name(day: dt.date) -> str:
    return f"周报_{day.isoformat()}.xlsx"


def units_frame(units: list[_Unit]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": [u.code for u in units],
            "name": [u.name for u in units],
            "parent_code": [u.parent for u in units],
            "category": [u.category for u in units],
            "aliases": [u.aliases for u in units],
            "level": [u.level for u in units],
            "sort_order": list(range(len(units))),
            "retired": False,
        }
    )


def generate_files() -> dict[str, bytes]:
    """File name -> bytes of every demo file (deterministic for a given library version)."""
    rng = random.Random(SEED)
    units = build_registry(rng)
    series = demo_series(units, rng)
    people = _people(units, rng)
    frame = units_frame(units)
    files = {REGISTRY_FILE: stable_xlsx(registry_workbook(units))}
    for week, day in enumerate(REPORT_DATES):
        values = week_values(units, series, week, people)
        book = template.build_workbook(
            frame[frame["code"].isin(values)],  # a unit missing this week has no row
            day,
            title_prefix=CITY_NAME,
            report_weekday=REPORT_WEEKDAY,
            values=values,
        )
        files[return_file_name(day)] = stable_xlsx(book)
    return files


def generate(directory: Path = DEMO_DIR) -> list[Path]:
    """Write the demo files into ``directory`` (old weekly returns there are removed)."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("周报_*.xlsx"):
        old.unlink()
    written = []
    for name, content in generate_files().items():
        path = directory / name
        path.write_bytes(content)
        written.append(path)
    return written


_CORE_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def stable_xlsx(book: Workbook) -> bytes:
    """Save ``book`` with fixed timestamps, so the same content gives the same bytes."""
    fixed = dt.datetime(2023, 9, 1)
    book.properties.creator = "主题教育办（演示）"
    book.properties.created = fixed
    raw = io.BytesIO()
    book.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_TIME.sub(rb"\g<1>2023-09-01T00:00:00Z\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, data)
    return out.getvalue()


# --------------------------------------------------------------------------- loading


class DemoLoadError(RuntimeError):
    """A demo file was refused by the importer (a bug: the demo must import cleanly)."""


def demo_files(directory: Path = DEMO_DIR) -> tuple[Path, list[Path]]:
    registry = directory / REGISTRY_FILE
    returns = sorted(directory.glob("周报_*.xlsx"))
    if not registry.exists() or not returns:
        raise DemoLoadError(
            f"演示数据文件不在 {directory}：请运行 python -m dashboard demo --regenerate 生成"
        )
    return registry, returns


def load_demo(
    engine: Engine,
    directory: Path = DEMO_DIR,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Import the demo registry, set the campaign settings, import every weekly return.

    Returns a summary: units, and per file the import status.
    """
    from dashboard.ingest.pipeline import import_file
    from dashboard.ingest.registry_file import parse_registry
    from dashboard.store import repo
    from dashboard.store.registry_repo import apply_registry

    say = progress or (lambda _message: None)
    registry_path, return_paths = demo_files(directory)
    content = registry_path.read_bytes()
    registry = parse_registry(registry_path.name, content)
    summary = apply_registry(
        engine, registry, file_name=registry_path.name, content=content, uploaded_by="演示数据"
    )
    say(summary.message())
    repo.set_settings(
        engine,
        {
            "campaign_name": CAMPAIGN_NAME,
            "city_name": CITY_NAME,
            "start_date": START_DATE.isoformat(),
            "end_date": END_DATE.isoformat(),
            "report_weekday": REPORT_WEEKDAY,
        },
    )
    results: dict[str, str] = {}
    for path in return_paths:
        result = import_file(engine, path.name, path.read_bytes(), uploaded_by="演示数据")
        if result.status == "rejected":
            raise DemoLoadError(
                f"演示周报 {path.name} 未能导入：{_first_problems(result.problems)}"
            )
        results[path.name] = result.status
        say(f"{path.name}：{result.status}")
    return {"units": summary.total, "returns": results}


def _first_problems(problems: Iterable[Any], limit: int = 3) -> str:
    shown = []
    for problem in list(problems)[:limit]:
        message = getattr(problem, "message", None)
        if message is None and isinstance(problem, dict):
            message = problem.get("message")
        shown.append(str(message if message is not None else problem))
    return "；".join(shown)


def series_frame() -> pd.DataFrame:
    """The generated figures as one tidy frame (unit_code, report_date, indicators…), rebuilt
    from the generator rather than from files: used by tests and checks."""
    rng = random.Random(SEED)
    units = build_registry(rng)
    series = demo_series(units, rng)
    rows = []
    for unit in units:
        for week, day in enumerate(REPORT_DATES):
            if day in MISSING_UNIT_WEEKS.get(unit.code, ()):
                continue
            rows.append({"unit_code": unit.code, "report_date": day, **series[unit.code][week]})
    frame = pd.DataFrame(rows)
    return frame[["unit_code", "report_date", *INDICATOR_CODES]]


if __name__ == "__main__":  # pragma: no cover
    for written_path in generate():
        print(written_path)
