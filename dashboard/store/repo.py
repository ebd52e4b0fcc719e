"""Repository functions shared by every layer: settings, units and stored figures.

They take an Engine and return plain values or DataFrames; nothing here knows about pages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Engine, delete, func, insert, select

from dashboard.core import settings as settings_def
from dashboard.core.catalogue import INDICATOR_CODES
from dashboard.store import audit_repo
from dashboard.store.schema import figures, fill_tasks, settings, units, week_changes

__all__ = [
    "UNIT_COLUMNS",
    "DataVersion",
    "data_version",
    "data_version_parts",
    "get_settings",
    "load_figures",
    "load_units",
    "report_dates",
    "set_settings",
    "unit_count",
    "registry_of",
    "week_version",
]

UNIT_COLUMNS = [
    "code",
    "name",
    "parent_code",
    "category",
    "aliases",
    "level",
    "sort_order",
    "retired",
    # 联络人/联系电话 from the registry, where the schema has them (migration 0002)
    *[name for name in ("contact_name", "contact_phone") if name in units.c],
]


def get_settings(engine: Engine) -> dict[str, Any]:
    """Every setting, stored values over the defaults."""
    values = settings_def.defaults()
    with engine.connect() as conn:
        for key, value in conn.execute(select(settings.c.key, settings.c.value)):
            if key in values and value is not None:
                values[key] = value
    return values


def set_settings(engine: Engine, changes: dict[str, Any], actor: str = "") -> None:
    """Store several settings in one transaction (keys are checked against the definitions)."""
    for key in changes:
        settings_def.setting(key)
    with engine.begin() as conn:
        conn.execute(delete(settings).where(settings.c.key.in_(list(changes))))
        if changes:
            conn.execute(insert(settings), [{"key": k, "value": v} for k, v in changes.items()])
            audit_repo.record(conn, "settings", user=actor, detail={"changed": sorted(changes)})


def load_units(engine: Engine, include_retired: bool = False) -> pd.DataFrame:
    """The registry as a DataFrame in registry order (codes are strings)."""
    query = select(*[units.c[name] for name in UNIT_COLUMNS]).order_by(units.c.sort_order)
    if not include_retired:
        query = query.where(units.c.retired.is_(False))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(UNIT_COLUMNS)
    # Column by column: several times faster than a DataFrame from a list of Row objects.
    frame = pd.DataFrame(
        {name: pd.Series(col) for name, col in zip(UNIT_COLUMNS, columns, strict=True)}
    )
    frame["level"] = frame["level"].astype("int64")
    frame["retired"] = frame["retired"].astype(bool)
    return frame


def unit_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(units)).scalar_one())


def report_dates(engine: Engine) -> list[dt.date]:
    """Report days that hold current figures, oldest first."""
    query = (
        select(figures.c.report_date)
        .where(figures.c.is_current.is_(True))
        .distinct()
        .order_by(figures.c.report_date)
    )
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(query)]


def load_figures(
    engine: Engine, until: dt.date | None = None, unit_codes: list[str] | None = None
) -> pd.DataFrame:
    """Current figures, one row per unit and report day, one nullable Int64 column per indicator.

    A missing value (blank cell, or an indicator the unit's return did not have) is NA.
    """
    query = select(figures.c.unit_code, figures.c.report_date, figures.c.figures).where(
        figures.c.is_current.is_(True)
    )
    if until is not None:
        query = query.where(figures.c.report_date <= until)
    if unit_codes is not None:
        query = query.where(figures.c.unit_code.in_(unit_codes))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    head = pd.DataFrame(
        {
            "unit_code": pd.Series([r[0] for r in rows], dtype="str"),
            "report_date": pd.to_datetime(pd.Series([r[1] for r in rows], dtype="object")),
        }
    )
    values = pd.DataFrame.from_records([r[2] for r in rows], columns=list(INDICATOR_CODES))
    values = values.reindex(columns=list(INDICATOR_CODES)).astype("Int64")
    frame = pd.concat([head, values], axis=1)
    return frame.sort_values(["report_date", "unit_code"], ignore_index=True)


@dataclasses.dataclass(frozen=True)
class DataVersion:
    """What ``data_version`` reads: the whole database's token, and the part of it that every
    report week depends on (the registry and the settings)."""

    token: str
    registry: str


def data_version(engine: Engine) -> str:
    """A cheap token that changes whenever imports, figures, units or settings change.

    Cached loaders take it as an argument, so a new upload, an undo or a reinstated earlier
    version refreshes every page — on every app process, since each reads it from the
    database (a reinstate changes no import row: its audit entry marks it).
    """
    return data_version_parts(engine).token


def data_version_parts(engine: Engine) -> DataVersion:
    """``data_version`` with its registry-and-settings part apart (for ``week_version``)."""
    from dashboard.store.schema import audit_log, fill_rounds, fill_tasks, imports

    now = dt.datetime.now(dt.UTC)

    def one(*columns: Any) -> Any:
        return select(*columns).scalar_subquery()

    with engine.connect() as conn:  # two statements: every counter at once, then the settings
        row = conn.execute(
            select(
                # online entry: every save/submit/return is a round; a deadline passing
                # makes units 逾期未报 without any write
                one(func.max(fill_rounds.c.id)),
                select(func.count()).where(fill_tasks.c.deadline < now).scalar_subquery(),
                _count(fill_tasks),
                _count(imports),
                one(func.max(imports.c.id)),
                one(func.max(imports.c.undone_at)),
                select(func.max(audit_log.c.id))
                .where(audit_log.c.action == "reinstate")
                .scalar_subquery(),
                _count(units),
                one(func.max(units.c.updated_at)),
            )
        ).one()
        sets = conn.execute(select(settings.c.key, settings.c.value).order_by(settings.c.key)).all()
    fill, imp, reinstated, unit = tuple(row[0:3]), tuple(row[3:6]), row[6], tuple(row[7:9])
    registry = f"{unit}|{hash(repr(sets))}"
    return DataVersion(f"{imp}|{reinstated}|{registry}|{fill}", registry)


def week_version(engine: Engine, day: dt.date, registry: str) -> str:
    """A token of everything a report of week ``day`` depends on: ``registry`` (the part of
    ``data_version`` for the registry and settings) and the weeks up to ``day``.

    Each week's counter is bumped by the database on every write of its figures, 填报 task,
    entries and rounds (triggers, migration 0005): the sum up to ``day`` changes exactly when
    something dated up to ``day`` does. Deadlines passing make units 逾期未报 without a write:
    the tasks up to ``day`` past their deadline are counted too. So an import or a submission
    of a later week leaves the token, and the pages' caches of this week, as they were.
    """
    now = dt.datetime.now(dt.UTC)
    with engine.connect() as conn:
        row = conn.execute(
            select(
                select(func.coalesce(func.sum(week_changes.c.changes), 0))
                .where(week_changes.c.report_date <= day)
                .scalar_subquery(),
                select(func.count())
                .select_from(fill_tasks)
                .where(fill_tasks.c.report_date <= day, fill_tasks.c.deadline < now)
                .scalar_subquery(),
            )
        ).one()
    return f"{registry}|{day.isoformat()}:{row[0]}:{row[1]}"


def registry_of(week_token: str) -> str:
    """The registry-and-settings part a ``week_version`` token was made with."""
    return week_token.rsplit("|", 1)[0]


def _count(table: Any) -> Any:
    return select(func.count()).select_from(table).scalar_subquery()
