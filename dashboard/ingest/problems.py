"""A problem found in a return: where it is, how bad it is and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboard.core.catalogue import Severity


@dataclass(frozen=True)
class Problem:
    """One finding, located as Excel shows it (sheet name, 1-based row, header as written).

    ``col_index`` (0-based) and ``unit`` (the row's unit as written) are for the pages and
    the annotated return only; they are not part of the JSON.
    """

    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    severity: Severity
    code: str
    message: str
    col_index: int | None = None
    unit: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def shown(value: object) -> str | None:
    """A cell value as text for a problem report (None stays None)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
