"""A liaison's upload is matched against its own subtree only: rows naming another county's
units by name, alias, near-miss spelling or code are refused, and no suggestion, conflict
or message of the check names a unit outside the subtree — not even whether it exists."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine

from dashboard.ingest import pipeline
from dashboard.ingest.matching import MatchScope, UnitMatcher
from tests.ingest.builders import REGISTRY, figures, seed_registry, template_return, xlsx

SCOPE = MatchScope.of({"0101", "010101", "010102"}, "东城县")
OUTSIDE = [row for row in REGISTRY if row[0] not in SCOPE.codes]
OUTSIDE_WORDS = sorted(
    {row[1] for row in OUTSIDE}
    | {alias for row in OUTSIDE for alias in row[4].replace("；", ";").split(";") if alias}
)


@pytest.fixture
def db(any_engine: Engine) -> Engine:
    seed_registry(any_engine)
    return any_engine


def every_text(result: pipeline.FileResult) -> str:
    """Everything the check tells its user, as one text."""
    parts = [str(value) for p in result.problems for value in dataclasses.astuple(p)]
    parts += [str(row.get("unit_code")) for row in result.accepted]
    return "\n".join(parts)


def leaked(text: str) -> list[str]:
    return [word for word in OUTSIDE_WORDS if word in text]


@pytest.mark.parametrize("any_engine", ["sqlite", "postgresql"], indirect=True)
def test_outside_units_are_refused_and_never_named(db: Engine) -> None:
    rows = template_return(
        [
            ("010101", "城关镇", figures(1)),  # inside: stored
            (None, "西山区", figures(2)),  # another county by its full name
            (None, "西山", figures(3)),  # by its alias
            (None, "西山去", figures(4)),  # a near miss of an outside name: no suggestion
            ("0102", "河口乡", figures(5)),  # an outside code with an inside name
            (102, None, figures(6)),  # the outside code that lost its leading zero
            ("0101", "南湖县", figures(7)),  # own code, another county's name: no conflict
            (None, "城官镇", figures(8)),  # a near miss of an own unit: suggested
        ]
    )
    result = pipeline.check_file(db, "东城县.xlsx", xlsx(rows), scope=SCOPE)
    assert sorted(row["unit_code"] for row in result.accepted) == ["0101", "010101"]
    text = every_text(result)
    assert leaked(text) == ["西山", "西山区"]  # only as the sender wrote them …
    refused = [p for p in result.problems if p.severity == "error"]
    assert len(refused) == 6
    for problem in refused:
        assert "东城县" in problem.message and "未入库" in problem.message
    suggested = next(p for p in refused if "城官镇" in p.message)
    assert "城关镇" in suggested.message
    near_miss = next(p for p in refused if "西山去" in p.message)
    assert "是否为" not in near_miss.message  # … and never suggested
    assert not [p for p in result.problems if p.code == "code_name_mismatch"]
    # the same file unscoped (the office) suggests and warns across the whole city
    office = pipeline.check_file(db, "东城县.xlsx", xlsx(rows))
    assert "西山区" in every_text(office) and any(
        p.code == "code_name_mismatch" for p in office.problems
    )


def test_the_matcher_itself_sees_only_the_subtree() -> None:
    registry = [(code, name, aliases) for code, name, _p, _c, aliases, _l in REGISTRY]
    scoped = UnitMatcher(registry, SCOPE)
    assert set(scoped.names) == SCOPE.codes
    assert scoped.match("0102", None).code is None
    assert scoped.match(None, "西山").code is None
    assert scoped.match("0102", "河口乡").code is None  # an outside code is never re-read
    assert scoped.match("9999", "河口乡").code == "010102"  # an unknown code: by name
    assert scoped.match(101, None).code == "0101"
    assert scoped.name_conflict("0101", "南湖县") is None
    for name in ("西山区", "西山去", "南湖", "示范"):
        assert not leaked(" ".join(scoped.suggest(name)))
        echoed = (scoped.match(None, name).problem or "").replace(f"“{name}”", "")
        assert "未入库" in echoed and not leaked(echoed)  # beyond echoing what was written
    unscoped = UnitMatcher(registry)
    assert unscoped.match(None, "西山").code == "0102"
