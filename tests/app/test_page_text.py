"""Every page's own text is Chinese: no English words of the app's own, no literal ``**``
left by Markdown, no missing value drawn as "None" in a table."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.navigation import page_files
from tests.app.conftest import APP
from tests.app.markdown_check import literal_bold_markers

# Names of file formats, products and fonts a Chinese office writes in Latin letters too.
ALLOWED = {
    "Excel", "Word", "PowerPoint", "WPS", "PNG", "SVG", "CSV", "JSON", "PDF", "zip",
    "xlsx", "xlsm", "xls", "xlsb", "ods", "csv", "docx", "pptx", "png", "svg",
    "YYYY", "MM", "DD", "MB", "Noto", "Serif", "Sans", "CJK", "SC",
    "SQLite", "PostgreSQL", "pg_dump", "Fc", "dump",
    "SMTP", "SSL", "STARTTLS", "Webhook", "SEC",  # mail and robot settings as their own UIs say
}  # fmt: skip
TEXT_KINDS = (
    "title", "header", "subheader", "markdown", "caption", "info", "warning", "error",
    "success", "exception",
)  # fmt: skip
WIDGET_KINDS = (
    "button", "download_button", "checkbox", "toggle", "radio", "selectbox", "multiselect",
    "text_input", "number_input", "date_input", "slider", "select_slider", "text_area",
    "file_uploader", "expander", "tab", "metric",
)  # fmt: skip
_MARKUP = re.compile(r":material/[a-z_]+:|:[a-z]+\[|\S*[/\\]\S*|\.[a-z0-9]{2,5}\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")


def page_texts(at: AppTest) -> list[str]:
    """Every text the page shows: messages, headings, widget labels, help and options."""
    out: list[str] = []
    for kind in TEXT_KINDS:
        out += [str(getattr(el, "value", "")) for el in at.get(kind)]
    for kind in WIDGET_KINDS:
        for el in at.get(kind):
            proto = el.proto
            out += [str(getattr(proto, a, "") or "") for a in ("label", "help", "placeholder")]
            if kind in ("selectbox", "multiselect", "radio"):
                out += [str(option) for option in getattr(el, "options", [])]
    for frame in at.dataframe:
        out += [str(column) for column in frame.value.columns]
    return [text for text in out if text]


def english_words(texts: list[str]) -> set[str]:
    words: set[str] = set()
    for text in texts:
        words |= set(_WORD.findall(_MARKUP.sub(" ", text))) - ALLOWED
    return words


def check_page(at: AppTest, page: str) -> None:
    assert not at.exception, (page, [e.value for e in at.exception])
    texts = page_texts(at)
    assert not english_words(texts), (page, english_words(texts))
    for kind in TEXT_KINDS:
        for el in at.get(kind):
            assert not literal_bold_markers(str(el.value)), (page, el.value)
    for expander in at.expander:
        for el in expander.markdown:
            assert not literal_bold_markers(str(el.value)), (page, el.value)
    for frame in at.dataframe:
        has_missing = bool(frame.value.isna().to_numpy().any())
        assert not has_missing or frame.proto.HasField("placeholder"), (
            page,
            "a table with missing values must not draw them as None",
            list(frame.value.columns),
        )


@pytest.mark.parametrize("page_file", page_files())
def test_demo_pages_speak_chinese(demo_app_db: str, page_file: str) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(f"app_pages/{page_file}")
    at.run()
    check_page(at, page_file)


def test_first_start_pages_speak_chinese(first_start: tuple[str, str]) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    check_page(at, "start.py")
    at.button(key="start_choose_own").click()
    at.run()
    for page in page_files():
        at.switch_page(f"app_pages/{page}")
        at.run()
        check_page(at, page)


def test_the_checkers_can_fail() -> None:
    assert english_words(["请上传 Upload file"]) == {"Upload", "file"}
    assert not english_words(["下载 Excel（.xlsx）", "路径 /tmp/abc/backups", ":red[错误]"])
    assert literal_bold_markers("**热度指数（0–100）**由四个分量")
    assert not literal_bold_markers("**热度指数**（0–100）由四个分量")


def test_none_check_can_fail() -> None:
    script = (
        "import pandas as pd\nimport streamlit as st\n"
        "st.dataframe(pd.DataFrame({'行': [1, None]}))\n"
        "st.dataframe(pd.DataFrame({'行': [1, None]}), placeholder='')\n"
    )
    at = AppTest.from_string(script).run()
    plain, fixed = at.dataframe
    assert plain.value.isna().to_numpy().any() and not plain.proto.HasField("placeholder")
    assert fixed.proto.HasField("placeholder")
