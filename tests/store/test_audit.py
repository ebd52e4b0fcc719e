"""Every write leaves its audit entry, in the same transaction: uploads (with the file's
sha256), undo, reinstate, registry changes and settings."""

from __future__ import annotations

from dashboard.auth import audit
from dashboard.ingest.registry_file import parse_registry
from dashboard.store import repo, returns_repo
from dashboard.store.registry_repo import apply_registry
from tests.core.test_registry import GOOD, workbook
from tests.export.conftest import WEEK2


def test_writes_are_audited(any_engine) -> None:
    registry = parse_registry("名册.xlsx", workbook(GOOD))
    apply_registry(any_engine, registry, content=b"reg", uploaded_by="管理员")
    rows = [
        returns_repo.FigureRow(
            unit_code="0101", report_date=WEEK2, figures={"problems_found": 3}, sheet=None, row=None
        )
    ]
    saved = returns_repo.save_upload(
        any_engine,
        file_name="周报.xlsx",
        content=b"v1",
        status="imported",
        rows=rows,
        uploaded_by="张三",
    )
    returns_repo.undo_import(any_engine, saved.import_id, actor="李四")
    repo.set_settings(any_engine, {"city_name": "青川市"}, actor="管理员")
    log = audit.entries(any_engine).sort_values("id")
    assert list(log["action"]) == ["registry", "upload", "undo", "settings"]
    assert list(log["user_name"]) == ["管理员", "张三", "李四", "管理员"]
    upload = log.iloc[1]["detail"]
    assert upload["sha256"] == returns_repo.sha256_of(b"v1") and upload["file"] == "周报.xlsx"


def test_cli_exports_are_audited(engine, tmp_path) -> None:
    from dashboard.cli import main
    from tests.export.conftest import fill_database

    fill_database(engine)
    out = tmp_path / "简报.xlsx"
    url = str(engine.url)
    assert (
        main(
            [
                "export",
                "briefing",
                "--db",
                url,
                "--date",
                "2023-10-27",
                "--format",
                "xlsx",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    exports = audit.entries(engine).query("action == 'export'")
    assert len(exports) == 1 and exports.iloc[0]["user_name"] == "命令行"
    assert exports.iloc[0]["detail"]["what"] == "简报.xlsx"
