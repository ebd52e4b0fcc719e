"""Who has not reported for a week, grouped by the liaison who reports for them.

"Not reported" is decided in ONE place, the entry status (``dashboard.entry.status``): a unit
is reported when its online entry is submitted (on time or late) or its figures for the week
came by upload. The 催报 list and the review grid therefore always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine

from dashboard import door
from dashboard.store import repo

__all__ = ["NO_CONTACT", "LiaisonGroup", "group_by_liaison", "load_registry", "not_reported"]

NO_CONTACT = "未登记联络人"


def not_reported(
    engine: Engine,
    report_date: dt.date,
    scope: str | None,
    viewer: door.Viewer | None = None,
    *,
    units: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """code, name, level, category, parent_code of the units in ``scope`` (as ``viewer`` may
    see them) that have not reported for ``report_date``, in registry order."""
    in_scope = door.scope_units(engine, scope, units=units, viewer=viewer)
    pending = door.not_submitted(engine, report_date)
    return in_scope[in_scope["code"].astype(str).isin(pending)].reset_index(drop=True)


@dataclass
class LiaisonGroup:
    """The pending units one liaison reports for."""

    contact_name: str
    contact_phone: str
    units: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    via: list[str] = field(default_factory=list)  # per unit: "" (its own) or the ancestor's name

    @property
    def registered(self) -> bool:
        return bool(self.contact_name or self.contact_phone)

    @property
    def title(self) -> str:
        if not self.registered:
            return NO_CONTACT
        return "　".join(part for part in (self.contact_name, self.contact_phone) if part)

    @property
    def codes(self) -> list[str]:
        return [code for code, _name in self.units]


def group_by_liaison(pending: pd.DataFrame, registry: pd.DataFrame) -> list[LiaisonGroup]:
    """Pending units grouped by their liaison (联络人 + 联系电话 from the registry). A unit
    without a contact goes to its nearest ancestor's contact; with none up the tree, to
    "未登记联络人" (last). Groups in the order of their first unit."""
    contacts = _contacts(registry)
    parents = dict(
        zip(registry["code"].astype(str), registry["parent_code"].map(_text), strict=True)
    )
    names = dict(zip(registry["code"].astype(str), registry["name"].map(_text), strict=True))
    groups: dict[tuple[str, str], LiaisonGroup] = {}
    for code, name in zip(pending["code"].astype(str), pending["name"], strict=True):
        owner = _nearest_with_contact(code, contacts, parents)
        key = contacts.get(owner, ("", "")) if owner else ("", "")
        group = groups.setdefault(key, LiaisonGroup(*key))
        group.units.append((code, str(name)))
        group.via.append("" if owner in (None, code) else names.get(owner or "", ""))
    ordered = [g for g in groups.values() if g.registered]
    return ordered + [g for g in groups.values() if not g.registered]


def load_registry(engine: Engine) -> pd.DataFrame:
    """The registry in force with its contact columns (for grouping)."""
    return repo.load_units(engine)


def _contacts(registry: pd.DataFrame) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    if "contact_name" not in registry.columns:
        return out
    for code, name, phone in zip(
        registry["code"].astype(str),
        registry["contact_name"].map(_text),
        registry["contact_phone"].map(_text),
        strict=True,
    ):
        if name or phone:
            out[code] = (name, phone)
    return out


def _nearest_with_contact(
    code: str, contacts: dict[str, tuple[str, str]], parents: dict[str, str]
) -> str | None:
    seen: set[str] = set()
    current: str | None = code
    while current and current not in seen:
        if current in contacts:
            return current
        seen.add(current)
        current = parents.get(current) or None
    return None


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return str(value).strip()
