"""``python -m dashboard export briefing|charts`` against a stored hand-built city."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from docx import Document
from openpyxl import load_workbook
from pptx import Presentation
from sqlalchemy import Engine

from dashboard.cli import main
from dashboard.export import images

from .conftest import fill_database


@pytest.fixture
def db_url(engine: Engine) -> str:
    fill_database(engine)
    return engine.url.render_as_string(hide_password=False)


def test_briefing_docx(db_url: str, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "简报.docx"
    code = main(
        [
            "export",
            "briefing",
            "--date",
            "2023-10-27",
            "--format",
            "docx",
            "-o",
            str(out),
            "--db",
            db_url,
        ]
    )
    assert code == 0
    assert "已生成简报" in capsys.readouterr().out
    document = Document(io.BytesIO(out.read_bytes()))
    texts = [p.text for p in document.paragraphs]
    # issue number and office come from the stored settings
    assert texts[0:2] == ["主题教育工作简报", "第8期"]  # 版头: name, then the issue
    assert texts[2].startswith("示范市主题教育领导小组办公室")
    assert any("应报单位9个，已报7个，报送率77.8%" in t for t in texts)
    assert len(document.inline_shapes) == 6


def test_briefing_pptx_for_a_scope(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "deck.pptx"
    code = main(
        [
            "export",
            "briefing",
            "--date",
            "2023-10-27",
            "--scope",
            "01",
            "--format",
            "pptx",
            "-o",
            str(out),
            "--db",
            db_url,
        ]
    )
    assert code == 0
    deck = Presentation(str(out))
    texts = [s.text_frame.text for s in deck.slides[1].shapes if s.has_text_frame]
    assert any("东城县应报单位5个，已报4个，报送率80.0%" in t for t in texts)


def test_briefing_xlsx(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "sub" / "book.xlsx"
    assert (
        main(
            [
                "export",
                "briefing",
                "--date",
                "2023-10-27",
                "--format",
                "xlsx",
                "-o",
                str(out),
                "--db",
                db_url,
            ]
        )
        == 0
    )
    assert load_workbook(out).sheetnames == ["排名", "落后单位", "催报名单"]


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_charts(db_url: str, tmp_path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "charts"
    assert (
        main(
            [
                "export",
                "charts",
                "--date",
                "2023-10-27",
                "--format",
                fmt,
                "-o",
                str(folder),
                "--db",
                db_url,
            ]
        )
        == 0
    )
    files = sorted(folder.iterdir())
    assert len(files) == 8
    assert all(f.suffix == f".{fmt}" for f in files)
    sample = (folder / f"问题销号率_分系统.{fmt}").read_bytes()
    if fmt == "png":
        assert images.png_size(sample)[0] == images.DEFAULT_WIDTH * images.PNG_SCALE
    else:
        assert "截至10月27日各县（市、区）问题销号率" in sample.decode("utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2023-11-03"], "没有周报数据"),
        (["--date", "27/10/2023"], "无法识别"),
        (["--date", "2023-10-27", "--scope", "99"], "没有编码为“99”的单位"),
    ],
)
def test_bad_input_exits_1_with_a_chinese_message(
    db_url: str, tmp_path, capsys, args, message
) -> None:  # type: ignore[no-untyped-def]
    code = main(
        [
            "export",
            "briefing",
            *args,
            "--format",
            "docx",
            "-o",
            str(tmp_path / "x.docx"),
            "--db",
            db_url,
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert message in err
    assert not (tmp_path / "x.docx").exists()


def test_unknown_format_is_a_usage_error(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard",
            "export",
            "briefing",
            "--date",
            "2023-10-27",
            "--format",
            "pdf",
            "-o",
            str(tmp_path / "x"),
            "--db",
            db_url,
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "用法错误" in result.stderr


def test_every_option_has_help() -> None:
    from dashboard.cli import build_parser

    parser = build_parser()
    export = parser._subparsers._group_actions[0].choices["export"]  # type: ignore[union-attr]
    for name, sub in export._subparsers._group_actions[0].choices.items():  # type: ignore[union-attr]
        assert sub.description, name
        for action in sub._actions:
            assert action.help, (name, action.dest)


def test_build_briefing_on_sqlite_and_postgresql(any_engine: Engine) -> None:
    from dashboard.export import briefing

    from .conftest import WEEK2

    fill_database(any_engine)
    book = load_workbook(io.BytesIO(briefing.build_briefing(any_engine, WEEK2, None, "xlsx")))
    reminder = [list(r) for r in book["催报名单"].iter_rows(values_only=True)]
    assert [r[2] for r in reminder[1:]] == ["东二村", "西一镇"]
    report, values = briefing.load_report(any_engine, WEEK2, "01")
    assert report.coverage["expected"] == 5 and report.coverage["reported"] == 4
    assert values["briefing_issue"] == 8


def test_briefing_issue_numbers_on_from_week_to_week(db_url: str, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Issue 8 is stored without its week: WEEK1 keeps 8; the later WEEK2 gets 9, again 9 in
    another format; ``--issue`` overrides and is remembered."""
    from dashboard.store import db, repo

    def export(day: str, fmt: str, *extra: str) -> str:
        out = tmp_path / f"{day}.{fmt}"
        code = main(["export", "briefing", "--date", day, "--format", fmt, "-o", str(out),
                     "--db", db_url, *extra])  # fmt: skip
        assert code == 0
        return capsys.readouterr().out

    def stored() -> tuple[int, str]:
        values = repo.get_settings(db.connect(db_url))
        return values["briefing_issue"], values["briefing_issue_date"]

    assert "第8期" in export("2023-10-20", "xlsx")
    assert stored() == (8, "2023-10-20")
    assert "第9期" in export("2023-10-27", "xlsx")
    assert "第9期" in export("2023-10-27", "docx")
    assert stored() == (9, "2023-10-27")
    assert "第20期" in export("2023-10-27", "xlsx", "--issue", "20")
    assert stored() == (20, "2023-10-27")
    with pytest.raises(SystemExit):
        export("2023-10-27", "xlsx", "--issue", "零")
    assert "期号“零”应为正整数" in capsys.readouterr().err


def test_for_week_keeps_the_number_for_its_own_or_an_earlier_week() -> None:
    import datetime as dt

    from dashboard.export.briefing import BriefingOptions

    remembered = BriefingOptions(issue=5, issued_for=dt.date(2023, 10, 27))
    assert remembered.for_week(dt.date(2023, 11, 3)).issue == 6
    assert remembered.for_week(dt.date(2023, 10, 27)).issue == 5
    assert remembered.for_week(dt.date(2023, 10, 20)).issue == 5
    assert BriefingOptions(issue=5).for_week(dt.date(2023, 11, 3)).issue == 5
    options = BriefingOptions.from_settings({"briefing_issue": 5, "briefing_issue_date": "乱写"})
    assert options.issued_for is None
    assert options.for_week(dt.date(2023, 11, 3)).to_settings()["briefing_issue_date"] == (
        "2023-11-03"
    )
