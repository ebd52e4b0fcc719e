"""Databases of the synthetic cities of tests/registries.py with three weeks of returns,
imported the way an office would: registry (with the new-category step), level names,
then each week's filled-in template through the ingest pipeline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from dashboard.core.catalogue import INDICATOR_CODES
from dashboard.export import template
from dashboard.ingest.pipeline import import_file
from dashboard.ingest.registry_file import parse_registry
from dashboard.store import db, repo
from dashboard.store.registry_repo import NewCategoriesError, apply_registry, load_categories
from tests.registries import (
    FIVE_CATEGORIES,
    FIVE_LEVEL_NAMES,
    THREE_CATEGORIES,
    THREE_LEVEL_NAMES,
    five_level_rows,
    registry_xlsx,
    three_level_rows,
)

WEEKS = (dt.date(2023, 10, 13), dt.date(2023, 10, 20), dt.date(2023, 10, 27))
CITIES = {
    "five": ("云岭市", five_level_rows, FIVE_LEVEL_NAMES, FIVE_CATEGORIES),
    "three": ("青禾县", three_level_rows, THREE_LEVEL_NAMES, THREE_CATEGORIES),
}


def week_values(units: pd.DataFrame, week: int) -> dict[str, dict[str, object]]:
    """Cumulative figures that cool level by level (deeper units do less) and grow weekly;
    every seventh unit of the deepest level stays silent in the last week."""
    deepest = int(units["level"].max())
    values: dict[str, dict[str, object]] = {}
    for index, (code, level) in enumerate(zip(units["code"], units["level"], strict=True)):
        if level == deepest and week == len(WEEKS) and index % 7 == 0:
            continue
        base = max(1, 8 - 2 * int(level)) + index % 3
        figures: dict[str, object] = dict.fromkeys(INDICATOR_CODES, base * week)
        figures.update(problems_closed=base * week // 2, measures_done=base * week // 2)
        figures.update(survey_reports=base * week // 2)
        values[str(code)] = figures
    return values


def build_city(engine: Engine, city: str) -> None:
    name, rows, level_names, categories = CITIES[city]
    # the office's own list lacks its last category: the import stops once, then adds it
    repo.set_settings(engine, {"categories": categories[:-1], "city_name": name})
    content = registry_xlsx(rows())
    registry = parse_registry(f"{name}名册.xlsx", content, load_categories(engine))
    assert registry.ok, registry.problems
    try:
        apply_registry(engine, registry, content=content)
        raise AssertionError("the new category did not stop the import")
    except NewCategoriesError:
        pass
    apply_registry(
        engine, registry, file_name=f"{name}名册.xlsx", content=content, add_categories=True
    )
    assert load_categories(engine) == categories
    repo.set_settings(engine, {"level_names": level_names})
    units = repo.load_units(engine)
    for week, day in enumerate(WEEKS, start=1):
        book = template.build_workbook(
            units, day, title_prefix=name, values=week_values(units, week)
        )
        result = import_file(engine, f"{name}周报{day:%m%d}.xlsx", template.workbook_bytes(book))
        assert result.status == "imported", result.problems[:3]


def city_file(directory: Path, city: str) -> Path:
    path = directory / f"{city}.sqlite3"
    engine = db.connect(f"sqlite:///{path}")
    build_city(engine, city)
    engine.dispose()
    return path
