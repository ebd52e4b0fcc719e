"""Applying registries: add, rename, move, retire, un-retire; retired units keep figures."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select

from dashboard.core.registry import Registry, RegistryError
from dashboard.ingest.registry_file import parse_registry
from dashboard.store import repo, returns_repo
from dashboard.store.registry_repo import apply_registry, record_rejected_registry
from dashboard.store.schema import imports
from tests.core.test_registry import GOOD, workbook


def registry(rows: list[list[object]]) -> Registry:
    parsed = parse_registry("名册.xlsx", workbook(rows))
    assert parsed.ok, parsed.problems
    return parsed


def test_first_import_adds_everything_and_archives(any_engine) -> None:
    content = workbook(GOOD)
    summary = apply_registry(
        any_engine, parse_registry("名册.xlsx", content), file_name="名册.xlsx", content=content
    )
    assert len(summary.added) == 5 and summary.total == 5
    assert "新增 5 个" in summary.message()
    units = repo.load_units(any_engine).set_index("code")
    assert units.loc["01010101", "level"] == 4
    assert units.loc["0101", "aliases"] == "东林；东林区委"
    assert pd.isna(units.loc["01", "parent_code"])
    log = returns_repo.list_imports(any_engine, kind="registry")
    assert list(log["status"]) == ["imported"]
    assert returns_repo.blob_content(any_engine, log["sha256"].iloc[0]) == content


def test_rename_move_retire_and_restore(any_engine) -> None:
    apply_registry(any_engine, registry(GOOD))
    returns_repo.save_upload(
        any_engine,
        file_name="周报.xlsx",
        content=b"x",
        status="imported",
        report_date=dt.date(2023, 10, 27),
        rows=[
            {
                "unit_code": "0151",
                "report_date": dt.date(2023, 10, 27),
                "figures": {"reading_classes": 3},
                "sheet": "周报",
                "row": 4,
            }
        ],
    )
    edited = [
        ["01", "青川市", "", "党政机关", "青川"],
        ["0101", "东林区（新）", "01", "党政机关", "东林"],
        ["0102", "河阳县", "01", "党政机关", ""],
        ["010101", "柳河镇", "0102", "乡镇（街道）", ""],  # moved to another county
        ["01010101", "杏园村", "010101", "村（社区）", ""],
    ]
    before = repo.data_version(any_engine)
    summary = apply_registry(any_engine, registry(edited))
    assert summary.added == ["0102"]
    assert summary.renamed == ["0101"]
    assert summary.moved == ["010101"]
    assert summary.recategorised == ["0101"]  # aliases changed
    assert summary.retired == ["0151"]
    assert repo.data_version(any_engine) != before
    active = repo.load_units(any_engine).set_index("code")
    assert "0151" not in active.index
    assert active.loc["0101", "name"] == "东林区（新）"
    assert active.loc["010101", "parent_code"] == "0102"
    every = repo.load_units(any_engine, include_retired=True).set_index("code")
    assert bool(every.loc["0151", "retired"])
    kept = repo.load_figures(any_engine)
    assert list(kept["unit_code"]) == ["0151"] and kept["reading_classes"].iloc[0] == 3

    summary = apply_registry(any_engine, registry(GOOD))
    assert summary.restored == ["0151"]
    assert summary.retired == ["0102"]
    assert not bool(
        repo.load_units(any_engine, include_retired=True).set_index("code").loc["0151", "retired"]
    )


def test_reimport_same_registry_changes_nothing(any_engine) -> None:
    apply_registry(any_engine, registry(GOOD))
    summary = apply_registry(any_engine, registry(GOOD))
    assert not summary.changed
    assert "未作改动" in summary.message()


def test_move_recomputes_levels(any_engine) -> None:
    apply_registry(any_engine, registry(GOOD))
    edited = [row[:] for row in GOOD]
    edited[3] = ["01010101", "杏园村", "01", "村（社区）", ""]
    apply_registry(any_engine, registry(edited))
    units = repo.load_units(any_engine).set_index("code")
    assert units.loc["01010101", "level"] == 2


def test_invalid_registry_changes_nothing(any_engine) -> None:
    apply_registry(any_engine, registry(GOOD))
    bad = parse_registry("名册.xlsx", workbook([*GOOD, ["0101", "重复", "01", "党政机关", ""]]))
    with pytest.raises(RegistryError):
        apply_registry(any_engine, bad, content=b"bad")
    assert len(repo.load_units(any_engine)) == 5
    record_rejected_registry(any_engine, bad, file_name="坏名册.xlsx", content=b"bad")
    with any_engine.connect() as conn:
        rows = conn.execute(select(imports.c.status, imports.c.problems)).all()
    assert rows[0][0] == "rejected" and rows[0][1][0]["column"] == "单位编码"


def test_empty_frame_keeps_types() -> None:
    assert isinstance(parse_registry("x.txt", b"").frame, pd.DataFrame)


def test_preview_changes_nothing(any_engine) -> None:
    from dashboard.store.registry_repo import preview_registry

    apply_registry(any_engine, registry(GOOD))
    edited = [*GOOD[:4], ["0102", "河阳县", "01", "党政机关", ""]]
    summary = preview_registry(any_engine, registry(edited))
    assert summary.added == ["0102"] and summary.retired == ["0151"]
    assert "0151" in set(repo.load_units(any_engine)["code"])


def test_a_rename_moves_the_registry_version_on_even_behind_a_later_mark(any_engine) -> None:
    """The registry's version is its count and latest mark: a change marked earlier than a
    mark already there (a replica whose clock is behind) must still move it on."""
    from sqlalchemy import update

    from dashboard.store.schema import units

    apply_registry(any_engine, registry(GOOD))
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    with any_engine.begin() as conn:
        conn.execute(update(units).where(units.c.code == "0151").values(updated_at=ahead))
    before = repo.data_version_parts(any_engine).registry
    renamed = [
        row if row[0] != "0101" else ["0101", "东林新区", "01", "党政机关", ""] for row in GOOD
    ]
    summary = apply_registry(any_engine, registry(renamed))
    assert summary.changed
    assert repo.data_version_parts(any_engine).registry != before
