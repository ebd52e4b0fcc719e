"""Subtree benchmark: what the server does when a board page is shown for a subtree nobody
opened yet, with the city-wide caches warm (issue 15: the load driver's filter changes).

On the demo city (1,560 units × 8 weeks; a copy of ``--template`` for SQLite, the demo
loaded into a fresh PostgreSQL database as ``scripts/load_driver.py`` does) it signs in as
the office (every subtree) and as a liaison (a county), runs the real page scripts with
Streamlit's AppTest — the app entry, sign-in check, sidebar and page, as a browser's rerun
runs them — and:

1. warms the city-wide caches: every board page (the load driver's ``BOARD_PAGES``) at the
   viewer's whole scope, twice;
2. times a plain warm page switch (same scope, another page, everything seen before);
3. for each subtree not opened before (every county and department, and a sample of
   townships; a liaison: its townships) switches to a board page (the pages take turns)
   and changes the scope filter there: the load driver's filter change. (Streamlit 1.67
   drops a widget's value on a page switch, so the next page shows the whole scope again,
   in the driver as here.)

Printed per page: median and p95 wall time and CPU time (the process's, every thread) of a
run, and the SQL statements and connection checkouts per run (a SQLAlchemy
``before_cursor_execute`` / pool ``checkout`` listener). The ratio of a new subtree's
filter change to a warm page switch is measured in the same process.

``--baseline-root DIR`` runs the same measurement on another checkout (e.g. ``git archive
main``) in a child process first and prints this checkout's figures against it.

    .venv/bin/python scripts/bench_subtree.py [--backends sqlite,postgresql]
        [--template /tmp/demo_template.sqlite3] [--townships 16] [--viewers office,liaison]
        [--baseline-root ../main]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]
BOARD_PAGES = {  # the load driver's pages, by title, and their scripts
    "总览": "overview.py",
    "报送情况": "coverage.py",
    "排名": "ranking.py",
    "落后单位": "lagging.py",
    "层级传导": "gradient.py",
    "趋势": "trends.py",
}
PG_URL = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "bench-subtree-password-1"
SCOPE_KEY = "board_scope"  # ui.filters.SCOPE_KEY (also in the baseline checkout)


@dataclass
class Sample:
    wall: float
    cpu: float
    statements: int
    checkouts: int


@dataclass
class Results:
    warm: list[Sample] = field(default_factory=list)
    # page title → samples of a filter change to a subtree nobody opened, on that page
    change: dict[str, list[Sample]] = field(default_factory=dict)
    by_level: dict[int, list[Sample]] = field(default_factory=dict)  # filter changes

    def as_json(self) -> dict[str, Any]:
        def dump(samples: list[Sample]) -> list[list[float]]:
            return [[s.wall, s.cpu, s.statements, s.checkouts] for s in samples]

        return {
            "warm": dump(self.warm),
            "change": {k: dump(v) for k, v in self.change.items()},
            "by_level": {str(k): dump(v) for k, v in self.by_level.items()},
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> Results:
        def load(rows: list[list[float]]) -> list[Sample]:
            return [Sample(r[0], r[1], int(r[2]), int(r[3])) for r in rows]

        return Results(
            load(data["warm"]),
            {k: load(v) for k, v in data["change"].items()},
            {int(k): load(v) for k, v in data["by_level"].items()},
        )


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --- the database -------------------------------------------------------------------------
def _admin(sql: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(sql))
    admin.dispose()


@contextlib.contextmanager
def demo_database(backend: str, folder: Path, template: Path, root: Path) -> Iterator[str]:
    """The demo city in a fresh database: a copy of ``template`` (built when missing) for
    SQLite; for PostgreSQL a new database (unique name, dropped at the end) the demo is
    loaded into, as the load driver prepares its world."""
    if backend == "sqlite":
        if not template.exists():
            _demo(f"sqlite:///{template}", root)
        path = folder / "bench.sqlite3"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    name = f"bench_subtree_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
        _demo(url, root)
        yield url
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _demo(url: str, root: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run(
        [sys.executable, "-m", "dashboard", "demo", "--db", url],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )


# --- counting SQL ---------------------------------------------------------------------------
class Counter:
    """SQL statements and pool checkouts of every engine in this process."""

    def __init__(self) -> None:
        from sqlalchemy import Engine, event
        from sqlalchemy.pool import Pool

        self.statements = 0
        self.checkouts = 0
        event.listen(Engine, "before_cursor_execute", self._statement)
        event.listen(Pool, "checkout", self._checkout)

    def _statement(self, *_args: Any) -> None:
        self.statements += 1

    def _checkout(self, *_args: Any) -> None:
        self.checkouts += 1


# --- one viewer's walk through the pages ----------------------------------------------------
class Browser:
    """One signed-in session of the real app, run by AppTest."""

    def __init__(self, root: Path, counter: Counter, token: str) -> None:
        from streamlit.testing.v1 import AppTest

        self.counter = counter
        self.token = token
        self.at = AppTest.from_file(str(root / "dashboard" / "app.py"), default_timeout=300)

    def run(self, page: str | None = None, scope: str | None = None) -> Sample:
        global _TOKEN
        _TOKEN = self.token
        if page is not None:
            self.at.switch_page(f"app_pages/{page}")
        if scope is not None:
            self.at.session_state[SCOPE_KEY] = scope
        statements, checkouts = self.counter.statements, self.counter.checkouts
        cpu, start = time.process_time(), time.perf_counter()
        self.at.run()
        sample = Sample(
            time.perf_counter() - start,
            time.process_time() - cpu,
            self.counter.statements - statements,
            self.counter.checkouts - checkouts,
        )
        if self.at.exception:
            raise RuntimeError(f"{page} {scope}: {self.at.exception[0].message}")
        if any("请先登录" in str(t.value) for t in self.at.title):
            raise RuntimeError("the session was not signed in")
        return sample


_TOKEN = ""


def _cookies_of_the_session() -> None:
    """AppTest cannot send cookies: the session's cookie comes from the bench instead (the
    app then checks it against the database on every run, as for a browser)."""
    import streamlit as st

    from dashboard.web.signin import SESSION_COOKIE

    proxy: Any = type(st.context)
    proxy.cookies = property(lambda _self: {SESSION_COOKIE: _TOKEN})


def _settle_as_served() -> None:
    """What the served process's lifespan does before its first session, when the checkout
    has it (``dashboard.web.settle``): the same process state as a served page run."""
    import importlib

    try:
        settle = importlib.import_module("dashboard.web.settle")
    except ImportError:
        return
    settle.settle()


def _sign_in(url: str, name: str, role: str, scope: str | None) -> str:
    from dashboard.auth import accounts, sessions
    from dashboard.store import db

    engine = db.connect(url)
    accounts.add_user(engine, name, role, PASSWORD, scope)
    user = accounts.find_user(engine, name)
    assert user is not None
    token = sessions.start(engine, user)
    engine.dispose()
    return token


def walk(
    url: str, root: Path, counter: Counter, viewer: str, townships: int, subtrees: int | None
) -> Results:
    """One viewer's warm-up, warm page switches and new subtrees (see the module's text)."""
    from dashboard.core.units import UnitTree
    from dashboard.store import db, repo

    engine = db.connect(url)
    units = repo.load_units(engine)
    engine.dispose()
    tree = UnitTree(units)
    choices = tree.scope_choices()
    counties = [c for c, level in choices if level == 2]
    if viewer == "office":
        token = _sign_in(url, "bench_office", "office", None)
        towns = [c for c, level in choices if level == 3]
        step = max(1, len(towns) // max(townships, 1))
        wanted = counties + (towns[::step][:townships] if townships else [])
    else:  # a liaison of a county with townships: the driver's liaisons
        county = next(c for c in counties if len(tree.children(c)) > 1)
        token = _sign_in(url, "bench_liaison", "liaison", county)
        allowed = set(tree.subtree(county))
        wanted = [c for c, level in choices if c in allowed and c != county]
    if subtrees is not None:
        wanted = wanted[:subtrees]
    levels = dict(zip(units["code"].astype(str), units["level"].astype(int), strict=True))
    browser = Browser(root, counter, token)
    browser.run()  # sign-in check, sidebar, default page
    titles = list(BOARD_PAGES)
    for _ in range(2):  # the city-wide caches warm (the driver's warm())
        for title in titles:
            browser.run(BOARD_PAGES[title], "__all__")
    out = Results()
    for _ in range(3):
        for title in titles:
            out.warm.append(browser.run(BOARD_PAGES[title]))
    for i, code in enumerate(wanted):
        title = titles[i % len(titles)]
        out.warm.append(browser.run(BOARD_PAGES[title]))  # to the page: the whole scope, warm
        sample = browser.run(scope=code)  # the filter change, as the driver's change_scope
        out.change.setdefault(title, []).append(sample)
        out.by_level.setdefault(levels[code], []).append(sample)
    return out


# --- printing -------------------------------------------------------------------------------
def line(label: str, samples: list[Sample], base: list[Sample] | None = None) -> str:
    walls = [s.wall * 1000 for s in samples]
    cpus = [s.cpu * 1000 for s in samples]
    text = (
        f"{label:<10}{len(samples):>4}{statistics.median(walls):>9.0f}{pct(walls, 0.95):>8.0f}"
        f"{statistics.median(cpus):>9.0f}"
        f"{statistics.mean(s.statements for s in samples):>8.1f}"
        f"{statistics.mean(s.checkouts for s in samples):>7.1f}"
    )
    if base:
        bw = [s.wall * 1000 for s in base]
        text += (
            f"   基线 {statistics.median(bw):>6.0f} / {pct(bw, 0.95):>6.0f} ms，"
            f"SQL {statistics.mean(s.statements for s in base):>5.1f}；"
            f"p95 基线/本次 {pct(bw, 0.95) / max(pct(walls, 0.95), 1e-9):.1f}×"
        )
    return text


HEADER = f"{'':<10}{'次数':>3}{'中位ms':>6}{'p95ms':>7}{'CPU中位':>6}{'SQL/次':>6}{'连接/次':>4}"


def show(results: Results, title: str, base: Results | None = None) -> None:
    print(f"== {title} ==", flush=True)
    print(HEADER)
    print(line("热切换", results.warm, base.warm if base else None))
    print("-- 换到未打开过的子树（在该页换筛选）--")
    for page, samples in results.change.items():
        print(line(page, samples, base.change.get(page) if base else None))
    every = [s for v in results.change.values() for s in v]
    base_every = [s for v in base.change.values() for s in v] if base else None
    print(line("全部", every, base_every))
    for level, samples in sorted(results.by_level.items()):
        print(line(f"第{level}级", samples, base.by_level.get(level) if base else None))
    warm95 = pct([s.wall for s in results.warm], 0.95)
    new95 = pct([s.wall for s in every], 0.95)
    print(
        f"新子树 p95 {new95 * 1000:.0f} ms = 热切换 p95 的 {new95 / warm95:.1f} 倍"
        f"（目标：新子树 ≤ 120 ms）",
        flush=True,
    )


def one(args: argparse.Namespace) -> Results:
    """One backend and viewer in this process, on the checkout in ``args.root`` (a fresh
    process: its caches are as cold as a new app process's)."""
    backend, viewer = args.one.split(",")
    root = Path(args.root).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with demo_database(backend, folder, Path(args.template), root) as url:
            os.environ["DATABASE_URL"] = url
            os.environ["DEMO_DATABASE_URL"] = f"sqlite:///{folder / 'demo-unused.sqlite3'}"
            _cookies_of_the_session()
            _settle_as_served()
            return walk(url, root, Counter(), viewer, args.townships, args.subtrees)


def child(args: argparse.Namespace, backend: str, viewer: str, root: Path) -> Results:
    """``one`` run in a new process serving the code in ``root``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.json"
        command = [sys.executable, __file__, "--one", f"{backend},{viewer}", "--json", str(out)]
        command += ["--root", str(root), "--template", str(args.template)]
        command += ["--townships", str(args.townships)]
        if args.subtrees is not None:
            command += ["--subtrees", str(args.subtrees)]
        env = {**os.environ, "PYTHONPATH": str(root)}
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{root} {backend} {viewer}: {done.stderr[-2000:]}")
        return Results.from_json(json.loads(out.read_text()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="换到未打开过的子树：每页耗时与 SQL 语句数")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--viewers", default="office,liaison")
    parser.add_argument("--template", default="/tmp/demo_template.sqlite3")
    parser.add_argument("--townships", type=int, default=16, help="townships besides counties")
    parser.add_argument("--subtrees", type=int, default=None, help="at most this many (tests)")
    parser.add_argument("--baseline-root", default=None, help="another checkout to compare with")
    parser.add_argument("--root", default=str(HERE), help=argparse.SUPPRESS)
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        sys.path.insert(0, str(Path(args.root).resolve()))
        Path(args.json).write_text(json.dumps(one(args).as_json()))
        return 0
    for backend in [b for b in args.backends.split(",") if b]:
        for viewer in [v for v in args.viewers.split(",") if v]:
            base = None
            if args.baseline_root:
                base = child(args, backend, viewer, Path(args.baseline_root).resolve())
            results = child(args, backend, viewer, Path(args.root).resolve())
            who = "办公室（全市）" if viewer == "office" else "联络员（一个县）"
            show(results, f"{backend}，{who}，演示城市 1,560 个单位 × 8 周", base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
