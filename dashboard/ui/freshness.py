"""Bounded freshness for a busy board: how often one process moves a week's pages to a newer
data version (``DASHBOARD_FRESHNESS_SECONDS``; 0, the default, moves at once).

Every write of a week changes its version, and a page of that week computes the week again
for the new version. In a deadline hour, with submissions every second, each page view would
compute its own version and the computations would share the cores: pages waited 20–50 s
under the load driver's burst of writes. With a bound of N seconds a process keeps serving a
week at the version it adopted until that version is N seconds old, so the sessions reading
the week share one computation per N seconds, and a page says how old its figures are. A
change of the registry or the settings is adopted at once (the pages read those fresh).
Pure Python: the pages call it through ``state.week_version``.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from dashboard.store import repo

__all__ = ["ENV", "MAX_SECONDS", "Freshness", "Served", "seconds_from_env"]

ENV = "DASHBOARD_FRESHNESS_SECONDS"
MAX_SECONDS = 300.0
_KEPT = 256  # weeks × databases remembered per process


def seconds_from_env() -> float:
    """The bound from the environment: 0 (adopt every new version at once) when unset or
    not a number; at most ``MAX_SECONDS``."""
    try:
        value = float(os.environ.get(ENV) or 0)
    except ValueError:
        return 0.0
    return min(max(value, 0.0), MAX_SECONDS) if value == value else 0.0  # NaN → 0


@dataclasses.dataclass(frozen=True)
class Served:
    """The version a run serves, and how long ago it was adopted when a newer one exists
    (None: it is the newest)."""

    token: str
    behind_seconds: float | None = None


@dataclasses.dataclass
class _Adopted:
    token: str
    at: float


class Freshness:
    """Per process: for each (database, week), the version its pages are computed at."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._held: OrderedDict[Hashable, _Adopted] = OrderedDict()
        self._lock = threading.Lock()

    def serve(self, key: Hashable, newest: str, seconds: float, registry: str) -> Served:
        """The version to compute ``key``'s pages at, given the ``newest`` read from the
        database: the newest when the bound is 0, when nothing is held, when the held one is
        ``seconds`` old or more, or when ``registry`` (the newest's registry and settings
        part) differs from the held one's; else the held one."""
        now = self._clock()
        with self._lock:
            held = self._held.get(key)
            if held is not None and held.token == newest:
                self._held.move_to_end(key)
                return Served(newest)
            if (
                held is None
                or seconds <= 0
                or now - held.at >= seconds
                or repo.registry_of(held.token) != registry
            ):
                self._held[key] = _Adopted(newest, now)
                self._held.move_to_end(key)
                while len(self._held) > _KEPT:
                    self._held.popitem(last=False)
                return Served(newest)
            return Served(held.token, now - held.at)
