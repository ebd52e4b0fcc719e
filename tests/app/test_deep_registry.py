"""Issue 16: a five-level city with its own categories and level names, and a three-level
county, on every page, the template, the treemap and the briefing."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dashboard import cli
from dashboard.navigation import page_files
from dashboard.store import db, repo
from tests.app.conftest import APP
from tests.app.deep_city import CITIES, WEEKS, city_file


@pytest.fixture(scope="module", params=list(CITIES))
def city_db(request, tmp_path_factory) -> tuple[str, Path]:
    return request.param, city_file(tmp_path_factory.mktemp(request.param), request.param)


@pytest.fixture
def city_url(city_db: tuple[str, Path], tmp_path: Path, monkeypatch) -> str:
    target = tmp_path / "app.sqlite3"
    shutil.copy(city_db[1], target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def open_page(page_file: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(f"app_pages/{page_file}")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_text(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header"):
        parts.extend(str(e.value) for e in at.get(kind))
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    for chart in at.get("plotly_chart"):
        parts.append(json.dumps(json.loads(chart.proto.spec), ensure_ascii=False))
    return "\n".join(parts)


@pytest.mark.parametrize("page_file", page_files())
def test_every_page_draws_the_city(city_db, city_url: str, page_file: str) -> None:
    city = city_db[0]
    name, _rows, level_names, _cats = CITIES[city]
    at = open_page(page_file)
    assert any(name in m.value for m in at.sidebar.markdown)
    text = page_text(at)
    assert "第5级" not in text and "第4级" not in text  # every level has its name
    if page_file in ("gradient.py", "registry.py"):
        for level_name in level_names:
            assert level_name in text, (page_file, level_name)


def test_registry_page_counts_levels_categories_and_treemap(city_db, city_url: str) -> None:
    city = city_db[0]
    _name, rows, level_names, categories = CITIES[city]
    at = open_page("registry.py")
    levels, cats = at.dataframe[0].value, at.dataframe[1].value
    assert list(levels["层级"]) == level_names
    assert list(cats["类别"]) == [c for c in categories if c in set(cats["类别"])]
    assert not at.warning  # every level named: nothing asked
    table = at.dataframe[2].value
    assert table.loc[0, "联络人"] == rows()[0][5] and table.loc[0, "联系电话"] == rows()[0][6]
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(chart["data"][0]["ids"]) == len(rows())
    slider = at.slider(key="registry_tree_depth")
    assert slider.max == len(level_names)
    slider.set_value(len(level_names)).run()
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["data"][0]["maxdepth"] == len(level_names)


def test_template_lists_every_level_in_tree_order(city_db, city_url: str) -> None:
    engine = db.make_engine(city_url)
    units = repo.load_units(engine)
    from dashboard.export import template

    sheet = load_workbook(io.BytesIO(template.template_bytes(units, WEEKS[-1])))["周报"]
    codes = [sheet.cell(r, 1).value for r in range(4, sheet.max_row + 1)]
    assert codes == list(units["code"])
    deepest = units.index[units["level"] == units["level"].max()][0]
    indent = sheet.cell(4 + int(deepest), 2).alignment.indent
    assert indent == units["level"].max() - 1  # names indented by depth
    assert sheet.cell(4, 2).alignment.indent == 0


def test_briefing_names_the_levels(city_db, city_url: str, tmp_path: Path, capsys) -> None:
    city = city_db[0]
    name, _rows, level_names, _cats = CITIES[city]
    out = tmp_path / "简报.docx"
    args = ["export", "briefing", "--db", city_url, "--date", WEEKS[-1].isoformat()]
    assert cli.main([*args, "--format", "docx", "-o", str(out)]) == 0, capsys.readouterr().err
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert name in text
    assert "第5级" not in text and "第4级" not in text


def test_peer_pools_follow_levels_and_the_offices_categories(city_db, city_url: str) -> None:
    from dashboard.ui import filters

    city = city_db[0]
    _name, _rows, level_names, categories = CITIES[city]
    at = open_page("ranking.py")
    assert set(at.dataframe[0].value["比较组"]) == set(level_names)
    at.toggle(key=filters.POOL_KEY).set_value(True).run()
    assert not at.exception, at.exception
    pools = set(at.dataframe[0].value["比较组"])
    # the category the import added is a pool like the others
    assert f"{level_names[-1]}·{categories[-1]}" in pools
    at.switch_page("app_pages/lagging.py")
    at.run()
    assert not at.exception, at.exception
