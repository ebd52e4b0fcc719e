"""What a check needs from the database, loaded up front: the checks never see an engine.

``load_context`` reads the campaign's dates, the office's remembered header wordings, the
unit registry (as a ``UnitMatcher``) and every unit's latest figures (the usual upload is the
week after the newest stored one: its "previous week" is those).  A return or an online
entry for an older week also needs the figures stored before that week: name those weeks
in ``days`` (or add them later with ``with_earlier`` once a file's weeks are known); they
are read in the same place, before any check runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine

from dashboard.core.settings import Settings
from dashboard.ingest import formats
from dashboard.ingest.dates import Campaign
from dashboard.ingest.header import Wordings, office_wordings
from dashboard.ingest.matching import MatchScope, UnitMatcher
from dashboard.store import repo, returns_repo

__all__ = [
    "CheckContext",
    "Figures",
    "load_context",
    "load_context_beside_parser",
    "load_earlier",
]

Figures = Mapping[str, Mapping[str, int | None]]  # unit code → indicator code → value


@dataclass(frozen=True)
class CheckContext:
    """Everything the row engine and the file checks read, fixed before they run."""

    campaign: Campaign
    matcher: UnitMatcher
    given_date: dt.date | None  # the user's date: used only where the file names none
    latest_day: dt.date | None = None  # the newest report day holding current figures
    latest: Figures = field(default_factory=dict)  # per unit, as of latest_day
    wordings: Wordings = ()  # the office's remembered header wordings
    # Figures stored before an older report day (a correction), per such day.
    earlier: Mapping[dt.date, Figures] = field(default_factory=dict)

    def older_days(self, days: Iterable[dt.date]) -> list[dt.date]:
        """The ``days`` whose previous week is not the latest figures, not yet loaded."""
        if self.latest_day is None:
            return []
        return sorted({d for d in days if d <= self.latest_day and d not in self.earlier})

    def with_earlier(self, earlier: Mapping[dt.date, Figures]) -> CheckContext:
        return dataclasses.replace(self, earlier={**self.earlier, **earlier})

    def previous(self, day: dt.date) -> Figures:
        """Each unit's figures of the week before ``day`` (empty: nothing stored yet).

        An older day must have been loaded (``days=`` or ``with_earlier``): a check that
        asks for one that was not is a programming error, not a silent "no history"."""
        if self.latest_day is None:
            return {}
        if day > self.latest_day:
            return self.latest
        return self.earlier[day]


def load_context(
    engine: Engine,
    report_date: dt.date | None = None,
    days: Iterable[dt.date] = (),
    scope: MatchScope | None = None,
) -> CheckContext:
    """The context of a check; ``report_date``: the user's date for files without one;
    ``days``: older report days whose previous figures to load as well; ``scope``: a scoped
    user's subtree, the only units its rows match (``MatchScope``)."""
    values = repo.get_settings(engine)
    campaign = Campaign.from_settings(Settings(values))
    stored = repo.report_dates(engine)
    latest_day = stored[-1] if stored else None
    latest = returns_repo.previous_figures(engine, dt.date.max) if latest_day else {}
    wordings = office_wordings(values.get("column_wordings"))
    matcher = UnitMatcher.from_engine(engine, scope)
    context = CheckContext(campaign, matcher, report_date, latest_day, latest, wordings)
    older = context.older_days(days)
    return context.with_earlier(load_earlier(engine, older)) if older else context


def load_context_beside_parser(
    engine: Engine, report_date: dt.date | None, scope: MatchScope | None = None
) -> CheckContext:
    """``load_context`` on a helper thread that yields the CPU to the parser it runs beside."""
    formats.yield_cpu()
    return load_context(engine, report_date, scope=scope)


def load_earlier(engine: Engine, days: Iterable[dt.date]) -> dict[dt.date, Figures]:
    """Each unit's latest figures stored before each of ``days``."""
    return {day: returns_repo.previous_figures(engine, day) for day in days}
