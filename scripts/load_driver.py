"""Load driver: N signed-in sessions speaking Streamlit's own websocket protocol, no browser.

A browser per simulated user measures the browser (on 2 cores its rendering swamps the
server), so each session here is a small asyncio client: it signs in through the board's
form (``/auth/login``, CSRF double submit), opens ``/_stcore/stream`` with the session
cookie, and sends the ``BackMsg`` a browser sends — a rerun with a page's script hash, a
rerun with a changed filter (the widget id and options read from the received deltas), a
deferred chart download (``backend_operation_request``, then the media URL over HTTP with
the cookie). Like a browser it keeps the hashes of cacheable messages it has received and
names them on each rerun, so the server sends references instead of the same bytes again.

Alongside, M imports run concurrently (the CLI, one process each: ``python -m dashboard
import``) into one new report week, and N online submissions (20 by default) of the week
after, through the entry core as the 填报 page calls it: the office and the liaisons each
save drafts and submit overlapping units at once, one thread and one engine each, and read
again and resubmit on a conflict. The driver then compares the imported rows with what was
sent and the submitted week with a serial run of the same submissions (in their commit
order, on a copy of the starting database): rows lost; and counts lock errors.

By default the driver prepares its own world in a temporary folder — the demo city
(1,560 units, 8 weeks) in SQLite or in a fresh PostgreSQL database, an office account and
liaison accounts — starts 1 or 2 app processes on free loopback ports (``dashboard/serve.py``;
two replicas share the database and sit behind nginx with the shipped site file, sticky by
the session cookie; ``--no-nginx``: the driver keeps each session on one replica), runs,
stops them and deletes everything. It is bounded (at most 200 sessions, 900 s) and
refuses any target that is not loopback.

Printed: page time p50/p95 alone and under load (and their ratio), server CPU per page view
(utime+stime of the app processes from /proc before and after; warm caches), memory per
idle session (RSS growth / sessions), errors, lock errors and rows lost.

    .venv/bin/python scripts/load_driver.py --sessions 50 --seconds 60 [--replicas 2]
        [--backend sqlite|postgresql] [--imports 5] [--think 4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import http.client
import io
import ipaddress
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator, Sequence
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the package beside it
    sys.path.insert(0, str(ROOT))

from dashboard import serve as launcher  # noqa: E402 - after the path is set

MAX_SESSIONS = 200
MAX_SECONDS = 900
PASSWORD = "load-driver-password-1"
BOARD_PAGES = ("总览", "报送情况", "排名", "落后单位", "层级传导", "趋势")
SCOPE_LABEL = "系统（子树）"
WEEK_LABEL = "报告周（统计截止日）"
WEEK_KEY = "-report_date"  # the picker's widget id ends with its key
PNG_LABEL = "PNG（高清，适合幻灯片）"
PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
FINISHED_OK = 0  # ForwardMsg.FINISHED_SUCCESSFULLY
FINISHED_FRAGMENT_OK = 3


class DriverError(Exception):
    """A refusal or a failed setup, said in Chinese."""


# --- the target ---------------------------------------------------------------------------
def require_loopback(url: str) -> None:
    """Refuse any target whose host resolves to an address other than loopback."""
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        raise DriverError(f"无法解析目标主机 {host!r}：{exc}") from None
    addresses = {str(info[4][0]) for info in infos}
    if not addresses or not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        raise DriverError(
            f"负载驱动只对本机（loopback）运行，拒绝目标 {url}（解析为 {', '.join(sorted(addresses))}）。"
        )


def bounded(sessions: int, seconds: float) -> None:
    if not 1 <= sessions <= MAX_SESSIONS:
        raise DriverError(f"会话数须在 1 到 {MAX_SESSIONS} 之间（给定 {sessions}）。")
    if not 0 < seconds <= MAX_SECONDS:
        raise DriverError(f"时长须在 0 到 {MAX_SECONDS} 秒之间（给定 {seconds}）。")


# --- one process's CPU and memory from /proc -----------------------------------------------
def _ticks() -> float:
    return float(os.sysconf("SC_CLK_TCK"))


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` (seconds)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _ticks()


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# --- HTTP with a cookie jar -----------------------------------------------------------------
@dataclasses.dataclass
class Http:
    base: str
    cookies: dict[str, str] = dataclasses.field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
        sent = {**(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    jar: SimpleCookie = SimpleCookie()
                    jar.load(value)
                    for key, morsel in jar.items():
                        if morsel.value:
                            self.cookies[key] = morsel.value
                        else:
                            self.cookies.pop(key, None)
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    def sign_in(self, name: str, password: str) -> None:
        status, _, _ = self.request("GET", "/auth/login", headers={"Accept": "text/html"})
        csrf = self.cookies.get("dash_csrf")
        if status != 200 or not csrf:
            raise DriverError(f"登录页不可用（HTTP {status}）")
        form = urllib.parse.urlencode(
            {"csrf": csrf, "next": "/", "name": name, "password": password}
        ).encode()
        status, _, _ = self.request(
            "POST",
            "/auth/login",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 303 or "dash_session" not in self.cookies:
            raise DriverError(f"{name} 登录失败（HTTP {status}）")


# --- one simulated browser session ----------------------------------------------------------
@dataclasses.dataclass
class Stats:
    page_times: list[float] = dataclasses.field(default_factory=list)
    # a filter change computes the report of a subtree nobody may have opened yet: its own list
    filter_times: list[float] = dataclasses.field(default_factory=list)
    views: int = 0
    filters: int = 0
    downloads: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    bytes_in: int = 0
    refs: int = 0


@dataclasses.dataclass
class Run:
    """What one rerun sent back: elements by kind, and whether it ended well."""

    elements: list[Any] = dataclasses.field(default_factory=list)
    exceptions: list[str] = dataclasses.field(default_factory=list)
    signed_out: bool = False


class Session:
    """A signed-in browser session without a browser: HTTP for sign-in and media, the
    websocket for page runs."""

    def __init__(self, base: str, name: str, stats: Stats) -> None:
        self.http = Http(base)
        self.name = name
        self.stats = stats
        self.ws: Any = None
        self.pages: dict[str, str] = {}  # title → page script hash
        self.page_hash = ""
        self.session_id = ""  # the server's id for this session (from new_session)
        self.widgets: dict[str, Any] = {}  # widget id → WidgetState sent on every rerun
        self.cached: set[str] = set()  # hashes of cacheable messages received
        self.last = Run()
        self.pending: dict[str, asyncio.Future[Any]] = {}
        self.inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        await self.sign_in()
        await self.connect()

    async def sign_in(self) -> None:
        """The sign-in form: its CSRF token, then name and password (the session cookie)."""
        await asyncio.to_thread(self.http.sign_in, self.name, PASSWORD)

    async def connect(self) -> None:
        """Open the websocket with the session cookie, as a browser tab does."""
        from websockets.asyncio.client import connect
        from websockets.typing import Subprotocol

        ws_url = self.http.base.replace("http://", "ws://", 1) + "/_stcore/stream"
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        self.ws = await connect(
            ws_url,
            additional_headers={"Cookie": cookie},
            subprotocols=[Subprotocol("streamlit")],
            max_size=None,
            open_timeout=120,
            ping_interval=None,
        )
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()

    async def _read(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        async for raw in self.ws:
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            self.stats.bytes_in += len(raw)
            kind = msg.WhichOneof("type")
            if kind == "backend_operation_response":
                future = self.pending.pop(msg.backend_operation_response.request_id, None)
                if future is not None and not future.done():
                    future.set_result(msg.backend_operation_response)
                continue
            await self.inbox.put(msg)

    async def rerun(self, page_hash: str | None = None, *, is_filter: bool = False) -> Run:
        """Send a rerun (this page, or ``page_hash``) and wait until the script finished."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        back = BackMsg()
        state = back.rerun_script
        state.query_string = ""
        state.page_script_hash = page_hash if page_hash is not None else self.page_hash
        state.widget_states.widgets.extend(self.widgets.values())
        state.cached_message_hashes.extend(sorted(self.cached))
        start = time.perf_counter()
        await self.ws.send(back.SerializeToString())
        run = await self._collect()
        times = self.stats.filter_times if is_filter else self.stats.page_times
        times.append(time.perf_counter() - start)
        self.stats.views += 1
        self.last = run
        self._hold_week_picker(run)
        for text in run.exceptions:
            self.stats.errors.append(f"{self.name}: 页面异常 {text[:120]}")
        if run.signed_out:
            self.stats.errors.append(f"{self.name}: 会话被要求重新登录")
        return run

    async def _collect(self, timeout: float = 300) -> Run:
        run = Run()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("页面在限定时间内未运行完")
            msg = await asyncio.wait_for(self.inbox.get(), left)
            kind = msg.WhichOneof("type")
            if msg.metadata.cacheable and msg.hash:
                self.cached.add(msg.hash)
            if kind == "ref_hash":
                self.stats.refs += 1
            elif kind == "navigation":
                self.pages = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages}
                self.page_hash = msg.navigation.page_script_hash or self.page_hash
            elif kind == "new_session":
                self.page_hash = msg.new_session.page_script_hash or self.page_hash
                self.session_id = msg.new_session.initialize.session_id or self.session_id
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    run.exceptions.append(f"{element.exception.type}: {element.exception.message}")
                elif which == "heading" and element.heading.body == "请先登录":
                    run.signed_out = True
                run.elements.append(element)
            elif kind == "page_not_found":
                run.exceptions.append("page_not_found")
            elif kind == "script_finished" and msg.script_finished in (
                FINISHED_OK,
                FINISHED_FRAGMENT_OK,
            ):
                return run
            elif kind == "script_finished" and msg.script_finished == 1:
                run.exceptions.append("compile error")
                return run

    def _hold_week_picker(self, run: Run) -> None:
        """Send the sidebar's week picker back as shown, as a browser sends every widget's
        value on each rerun: the session stays on its week when a newer one lands."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        for element in run.elements:
            if element.WhichOneof("type") != "selectbox":
                continue
            box = element.selectbox
            if box.label != WEEK_LABEL or box.id in self.widgets or not box.options:
                continue
            shown = box.raw_value if box.set_value else box.options[box.default]
            self.widgets = {k: v for k, v in self.widgets.items() if not k.endswith(WEEK_KEY)}
            self.widgets[box.id] = WidgetState(id=box.id, string_value=shown)

    def _find(self, kind: str, label: str) -> Any | None:
        for element in self.last.elements:
            if element.WhichOneof("type") == kind and getattr(element, kind).label == label:
                return getattr(element, kind)
        return None

    async def change_scope(self, rng: random.Random) -> bool:
        """Pick another subtree in the board's scope filter (from the received selectbox)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        box = self._find("selectbox", SCOPE_LABEL)
        if box is None or len(box.options) < 2:
            return False
        state = WidgetState(id=box.id, string_value=rng.choice(list(box.options)))
        self.widgets[box.id] = state
        await self.rerun(is_filter=True)
        self.stats.filters += 1
        return True

    async def download_chart(self) -> bool:
        """Press a chart's PNG download: the deferred file is made, then fetched over HTTP."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        button = self._find("download_button", PNG_LABEL)
        if button is None or not button.deferred_file_id:
            return False
        back = BackMsg()
        request_id = uuid.uuid4().hex
        back.backend_operation_request.request_id = request_id
        back.backend_operation_request.session_id = self.session_id
        back.backend_operation_request.deferred_file.file_id = button.deferred_file_id
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        await self.ws.send(back.SerializeToString())
        response = await asyncio.wait_for(future, 300)
        if response.error_msg:
            self.stats.errors.append(f"{self.name}: 图片生成失败 {response.error_msg}")
            return False
        path = urllib.parse.urlsplit(response.deferred_file.url)
        target = path.path + (f"?{path.query}" if path.query else "")
        status, _, body = await asyncio.to_thread(self.http.request, "GET", target)
        if status != 200 or not body.startswith(b"\x89PNG"):
            self.stats.errors.append(f"{self.name}: 图片下载失败 HTTP {status}")
            return False
        self.stats.downloads += 1
        return True


# --- the world: database, accounts, app processes ------------------------------------------
@dataclasses.dataclass
class World:
    db_url: str
    folder: Path
    users: list[str]
    pg_database: str | None = None
    # who submits online: (name, role, scope code) of the office and the liaisons
    people: list[tuple[str, str, str | None]] = dataclasses.field(default_factory=list)
    # the same starting state in another database: the submissions' serial run goes there
    serial_url: str | None = None
    serial_pg_database: str | None = None


def _run_quiet(args: Sequence[str], env: dict[str, str] | None = None) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True)


def prepare(backend: str, folder: Path, template: Path | None) -> World:
    """The demo city in a fresh database, an office account and one liaison per county."""
    from sqlalchemy import create_engine, text

    from dashboard.auth import accounts
    from dashboard.store import db, repo

    pg_database = None
    if backend == "sqlite":
        path = folder / "load.sqlite3"
        url = f"sqlite:///{path}"
        if template is not None and template.exists():
            shutil.copy(template, path)
        else:
            _run_quiet([sys.executable, "-m", "dashboard", "demo", "--db", url])
    else:
        pg_database = f"load_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_database}"'))
        admin.dispose()
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{pg_database}"
        _run_quiet([sys.executable, "-m", "dashboard", "demo", "--db", url])
    engine = db.connect(url)
    units = repo.load_units(engine)
    counties = units.loc[units["level"] == 2, "code"].astype(str).tolist()
    people: list[tuple[str, str, str | None]] = [("load_office", "office", None)]
    accounts.add_user(engine, "load_office", "office", PASSWORD)
    for i, code in enumerate(counties[:4]):
        name = f"load_liaison{i}"
        accounts.add_user(engine, name, "liaison", PASSWORD, code)
        people.append((name, "liaison", code))
    engine.dispose()
    db.wait_for_checkpoints()
    world = World(url, folder, [p[0] for p in people], pg_database, people)
    _snapshot(world)
    return world


def _pg_admin(sql: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(sql))
    admin.dispose()


def _snapshot(world: World) -> None:
    """A copy of the world as prepared (no app has opened it yet), for the serial run."""
    if world.pg_database is None:
        path = world.folder / "serial.sqlite3"
        shutil.copy(world.db_url.removeprefix("sqlite:///"), path)
        world.serial_url = f"sqlite:///{path}"
        return
    name = f"{world.pg_database}_serial"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{world.pg_database}"')
    world.serial_pg_database = name
    world.serial_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop(world: World) -> None:
    for name in (world.pg_database, world.serial_pg_database):
        if name is not None:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


Replica = launcher.Server


@contextlib.contextmanager
def serve(
    world: World, count: int, root: Path = ROOT, freshness: float = 0
) -> Iterator[list[Replica]]:
    """``count`` app processes on free loopback ports over one database, serving the code
    in ``root`` (this checkout unless comparing with another), with a freshness bound of
    ``freshness`` seconds (``DASHBOARD_FRESHNESS_SECONDS``); stopped at the end."""
    env = {
        "DEMO_DATABASE_URL": f"sqlite:///{world.folder / 'demo-unused.sqlite3'}",
        "PYTHONPATH": str(root),
        "STREAMLIT_SERVER_COOKIE_SECRET": "load-driver-shared-secret",  # the same on every replica
        "DASHBOARD_FRESHNESS_SECONDS": f"{freshness:g}",
    }
    logs = [world.folder / f"replica{i}_{root.name}.log" for i in range(count)]
    try:
        with launcher.serving(logs, database_url=world.db_url, env=env, root=root) as replicas:
            yield replicas
    except launcher.ServeError as exc:
        raise DriverError(str(exc)) from None


@contextlib.contextmanager
def behind_nginx(folder: Path, replicas: Sequence[Replica], wanted: bool) -> Iterator[str | None]:
    """nginx with the shipped site in front of the replicas (its address), or None."""
    if not wanted:
        yield None
        return
    try:
        with launcher.proxying(folder, [r.port for r in replicas]) as url:
            yield url
    except launcher.ServeError as exc:
        raise DriverError(str(exc)) from None


# --- concurrent imports ---------------------------------------------------------------------
@dataclasses.dataclass
class ImportPlan:
    day: dt.date
    files: list[tuple[Path, dict[str, dict[str, int]]]]  # file, unit → figures sent


def plan_imports(world: World, count: int) -> ImportPlan:
    """``count`` returns for the week after the last stored one, each holding one county's
    units (disjoint), figures a little above their last week's so no rule objects."""
    from openpyxl import Workbook

    from dashboard.core.catalogue import INDICATORS
    from dashboard.store import db, repo

    engine = db.connect(world.db_url)
    units = repo.load_units(engine)
    days = repo.report_dates(engine)
    last = days[-1]
    day = last + dt.timedelta(days=7)
    previous = repo.load_figures(engine, last)
    previous = previous[previous["report_date"].dt.date == last]
    engine.dispose()
    values = {str(row["unit_code"]): row for row in previous.to_dict("records")}
    counties = units.loc[units["level"] == 2, "code"].astype(str).tolist()
    files = []
    for i in range(count):
        county = counties[i % len(counties)]
        members = units.loc[units["code"].astype(str).str.startswith(county), "code"].astype(str)
        if i >= len(counties):  # more imports than counties: later files re-send a county
            members = members.iloc[: max(1, len(members) // 2)]
        book = Workbook(write_only=True)
        sheet = book.create_sheet("汇总")
        sheet.append([f"主题教育进展统计表（截至{day:%Y年%m月%d日}）"])
        sheet.append(["单位编码", *[ind.header for ind in INDICATORS]])
        sent: dict[str, dict[str, int]] = {}
        for code in members:
            old = values.get(code, {})
            figures = {
                ind.code: int(_number(old.get(ind.code)) + (1 if ind.code.endswith("found") else 0))
                for ind in INDICATORS
            }
            sent[code] = figures
            sheet.append([code, *[figures[ind.code] for ind in INDICATORS]])
        path = world.folder / f"周报_{day:%Y-%m-%d}_{i}.xlsx"
        buffer = io.BytesIO()
        book.save(buffer)
        path.write_bytes(buffer.getvalue())
        files.append((path, sent))
    return ImportPlan(day, files)


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if number != number else number


async def run_import(world: World, path: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dashboard",
        "import",
        str(path),
        "--db",
        world.db_url,
        "--json",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return int(process.returncode or 0), (out + err).decode("utf-8", "replace")


def rows_lost(world: World, plan: ImportPlan) -> tuple[int, int]:
    """(rows sent, rows not in the database as sent): the last file to name a unit wins."""
    from dashboard.store import db, repo

    expected: dict[str, dict[str, int]] = {}
    for _path, sent in plan.files:
        expected.update(sent)
    engine = db.connect(world.db_url)
    stored = repo.load_figures(engine, plan.day)
    stored = stored[stored["report_date"].dt.date == plan.day]
    engine.dispose()
    found = {str(row["unit_code"]): row for row in stored.to_dict("records")}
    lost = 0
    for code, figures in expected.items():
        row = found.get(code)
        if row is None or any(int(_number(row.get(k))) != v for k, v in figures.items()):
            lost += 1
    return len(expected), lost


# --- concurrent online submissions ---------------------------------------------------------
LOCK_WORDS = ("database is locked", "deadlock", "lock timeout", "could not obtain lock")
SUBMIT_TRIES = 60


@dataclasses.dataclass(frozen=True)
class Submission:
    """One person's submission: who (name, role, scope) and the figures of their units."""

    name: str
    role: str
    scope_code: str | None
    cells: dict[str, dict[str, int]]


@dataclasses.dataclass(frozen=True)
class SubmitPlan:
    """M submissions for one week's 填报 task, opened and due at the given moments."""

    day: dt.date
    opens_at: dt.datetime
    deadline: dt.datetime
    now: dt.datetime  # the moment every action claims (within the task's window)
    submissions: list[Submission]


@dataclasses.dataclass
class SubmitResult:
    """How one person's submission ended: the import that carried it (its commit order),
    the conflicts met on the way (someone saved first: read again, try again), or the
    error that stopped it (``lock_error`` when the database refused a lock)."""

    import_id: int | None = None
    conflicts: int = 0
    error: str | None = None
    lock_error: bool = False


def plan_submissions(
    url: str,
    day: dt.date,
    people: Sequence[tuple[str, str, str | None]],
    count: int,
    *,
    per_person: int = 4,
    pool: int = 12,
    now: dt.datetime | None = None,
    seed: int = 1,
) -> SubmitPlan:
    """``count`` submissions for ``day`` by ``people`` in turn (name, role, scope), each of
    ``per_person`` units drawn from the first ``pool`` units the person may enter, so
    submissions overlap. The k-th submission sends last week's figures + k for every
    indicator: each submission's figures are its own, and no pair rule objects."""
    from dashboard.core.catalogue import INDICATOR_CODES
    from dashboard.entry import entries, rules
    from dashboard.store import db, repo

    engine = db.make_engine(url)
    units = repo.load_units(engine)
    rng = random.Random(seed)
    chosen: list[tuple[tuple[str, str, str | None], list[str]]] = []
    for k in range(count):
        person = people[k % len(people)]
        allowed = entries.enterable_units(units, entries.Actor(*person))[:pool]
        chosen.append((person, rng.sample(allowed, min(per_person, len(allowed)))))
    codes = sorted({c for _person, picked in chosen for c in picked})
    last = rules.previous_week(engine, day, codes)
    engine.dispose()
    submissions = []
    for k, (person, picked) in enumerate(chosen, start=1):
        cells = {
            code: {ind: int(last.get(code, {}).get(ind) or 0) + k for ind in INDICATOR_CODES}
            for code in picked
        }
        submissions.append(Submission(*person, cells))
    moment = now or dt.datetime.now(dt.UTC)
    return SubmitPlan(
        day, moment - dt.timedelta(hours=1), moment + dt.timedelta(days=1), moment, submissions
    )


def open_submission_task(url: str, plan: SubmitPlan) -> None:
    """The week's 填报 task, open at ``plan.now`` (the same on every database it runs on)."""
    from dashboard.entry import tasks
    from dashboard.store import db

    engine = db.make_engine(url)
    tasks.open_task(engine, plan.day, opens_at=plan.opens_at, deadline=plan.deadline)
    engine.dispose()


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(word in text for word in LOCK_WORDS)


def submit_as_a_liaison(
    url: str, plan: SubmitPlan, submission: Submission, start: Any = None
) -> SubmitResult:
    """What a person does on the 填报 page, through the entry core on an engine of its own
    (as another app process would): read the entries, save the units not yet submitted as
    a draft, read again and submit (warnings confirmed). A conflict (someone saved first)
    is read again and tried again, as the page's message asks."""
    from dashboard.entry import entries, status
    from dashboard.entry.errors import ConflictError
    from dashboard.store import db

    engine = db.make_engine(url)
    result = SubmitResult()
    actor = entries.Actor(submission.name, submission.role, submission.scope_code)
    codes = list(submission.cells)
    try:
        task = status.task_for(engine, plan.day)
        assert task is not None, "the plan's task is opened first"
        if start is not None:
            start.wait()  # everyone presses at once
        for _ in range(SUBMIT_TRIES):
            try:
                current = entries.load_entries(engine, task.id, codes)
                versions = {c: current[c].version if c in current else 0 for c in codes}
                drafts = {
                    c: submission.cells[c]
                    for c in codes
                    if c not in current or current[c].status not in ("submitted", "pending")
                }
                if drafts:
                    entries.save_drafts(engine, task, actor, drafts, versions, now=plan.now)
                    current = entries.load_entries(engine, task.id, codes)
                    versions = {c: current[c].version if c in current else 0 for c in codes}
                outcome = entries.submit(
                    engine,
                    task,
                    actor,
                    submission.cells,
                    versions,
                    confirm_warnings=True,
                    now=plan.now,
                )
            except ConflictError:
                result.conflicts += 1
                time.sleep(random.uniform(0.01, 0.05))
                continue
            if outcome.import_id is None:
                result.error = f"{submission.name}: 提交未入库 {outcome.checked}"[:300]
            result.import_id = outcome.import_id
            return result
        result.error = f"{submission.name}: {SUBMIT_TRIES} 次冲突后仍未提交"
    except Exception as exc:  # noqa: BLE001 - counted and reported, never hidden
        result.error = f"{submission.name}: {type(exc).__name__} {exc}"[:300]
        result.lock_error = _is_lock_error(exc)
    finally:
        engine.dispose()
    return result


def run_submissions(url: str, plan: SubmitPlan) -> list[SubmitResult]:
    """Every submission of ``plan`` at once, one thread and one engine each."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    start = threading.Barrier(len(plan.submissions))
    with ThreadPoolExecutor(max_workers=len(plan.submissions)) as pool:
        futures = [
            pool.submit(submit_as_a_liaison, url, plan, one, start) for one in plan.submissions
        ]
        return [future.result() for future in futures]


def replay_serially(url: str, plan: SubmitPlan, results: Sequence[SubmitResult]) -> None:
    """The submissions that landed, one after another in the order they committed (their
    import ids), on another database holding the same starting state."""
    order = sorted(
        (r.import_id, s)
        for r, s in zip(results, plan.submissions, strict=True)
        if r.import_id is not None
    )
    open_submission_task(url, plan)
    for _import_id, submission in order:
        result = submit_as_a_liaison(url, plan, submission)
        if result.error or result.conflicts:
            raise DriverError(f"串行重放失败：{result.error or '冲突'}")


def week_state(url: str, day: dt.date) -> dict[str, Any]:
    """A week's final state: current figures by unit, the task's entries by unit (status and
    figures), and how many units hold more than one current row."""
    from sqlalchemy import func, select

    from dashboard.entry import entries, status
    from dashboard.store import db
    from dashboard.store.schema import figures

    engine = db.make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(figures.c.unit_code, figures.c.figures).where(
                figures.c.report_date == day, figures.c.is_current
            )
        ).all()
        doubled = conn.execute(
            select(func.count()).select_from(
                select(figures.c.unit_code)
                .where(figures.c.report_date == day, figures.c.is_current)
                .group_by(figures.c.unit_code)
                .having(func.count() > 1)
                .subquery()
            )
        ).scalar_one()
    task = status.task_for(engine, day)
    found = entries.load_entries(engine, task.id) if task is not None else {}
    engine.dispose()
    return {
        "figures": {str(code): dict(values) for code, values in rows},
        "entries": {code: (e.status, e.figures) for code, e in found.items()},
        "doubled": int(doubled),
    }


def rows_differing(parallel: dict[str, Any], serial: dict[str, Any]) -> int:
    """Units whose current figures or entry differ between the two runs (rows lost)."""
    differing: set[str] = set()
    for part in ("figures", "entries"):
        ours, theirs = parallel[part], serial[part]
        differing |= {c for c in set(ours) | set(theirs) if ours.get(c) != theirs.get(c)}
    return len(differing)


# --- phases ---------------------------------------------------------------------------------
def pct(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def tree_cpu(replicas: Sequence[Replica]) -> float:
    return sum(cpu_seconds(r.pid) for r in replicas)


@dataclasses.dataclass
class Alone:
    """One session alone: its page times and what the server's CPU spent on it."""

    stats: Stats
    cpu_per_view: float  # a warm page switch
    cpu_sign_in: float  # the sign-in form (argon2id checks the password: slow by design)
    cpu_first_page: float  # a signed-in tab: websocket, new session, first page


async def single_session(
    replicas: Sequence[Replica],
    user: str,
    rounds: int,
    filters: int = 0,
    entry: str | None = None,
) -> Alone:
    """One session alone (through ``entry``, nginx, when given): sign-in, the first page,
    page switches with warm caches, then ``filters`` changes of the subtree filter."""
    stats = Stats()
    session = Session(entry or replicas[0].url, user, stats)
    before = tree_cpu(replicas)
    await session.sign_in()
    signed = tree_cpu(replicas)
    await session.connect()
    await session.rerun("")
    first = tree_cpu(replicas) - signed
    stats.page_times.clear()
    stats.views = 0
    start = tree_cpu(replicas)
    for _ in range(rounds):
        for title in BOARD_PAGES:
            await session.rerun(session.pages[title])
    spent = tree_cpu(replicas) - start
    views = stats.views
    rng = random.Random(99)
    for _ in range(filters):  # subtrees this session has not opened: the report is computed
        await session.change_scope(rng)
    await session.close()
    return Alone(stats, spent / max(views, 1), signed - before, first)


async def warm(replicas: Sequence[Replica], users: Sequence[str]) -> None:
    """Every user's scope and page computed once on every replica (warm caches)."""
    for replica in replicas:
        for user in users:
            session = Session(replica.url, user, Stats())
            await session.open()
            await session.rerun("")
            for title in BOARD_PAGES:
                await session.rerun(session.pages[title])
            await session.close()


async def idle_memory(
    replicas: Sequence[Replica], users: Sequence[str], count: int, entry: str | None = None
) -> tuple[list[Session], float, Stats]:
    """``count`` sessions signed in (through ``entry``, nginx, when given; else each on a
    replica in turn), each on its first page, then idle: RSS growth per session."""
    stats = Stats()
    await asyncio.sleep(1)
    before = sum(rss_mb(r.pid) for r in replicas)
    sessions = [
        Session(entry or replicas[i % len(replicas)].url, users[i % len(users)], stats)
        for i in range(count)
    ]
    for batch in range(0, count, 10):
        chunk = sessions[batch : batch + 10]
        await asyncio.gather(*(s.open() for s in chunk))
        await asyncio.gather(*(s.rerun("") for s in chunk))
    await asyncio.sleep(3)
    after = sum(rss_mb(r.pid) for r in replicas)
    return sessions, (after - before) / count, stats


async def drive(sessions: Sequence[Session], seconds: float, think: float, seed: int) -> None:
    """Every session opens pages, changes the scope filter now and then and downloads a chart,
    with a think time between actions, until the time is up."""
    deadline = time.monotonic() + seconds

    async def one(session: Session, rng: random.Random) -> None:
        await asyncio.sleep(rng.uniform(0, think))  # users do not all click at once
        step = 0
        while time.monotonic() < deadline:
            try:
                if step % 5 == 3:
                    await session.change_scope(rng)
                elif step % 6 == 1:
                    await session.rerun(session.pages["总览"])
                    await session.download_chart()
                else:
                    await session.rerun(session.pages[rng.choice(BOARD_PAGES)])
            except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
                session.stats.errors.append(f"{session.name}: {type(exc).__name__} {exc}"[:200])
            step += 1
            await asyncio.sleep(rng.uniform(0.5, 1.5) * think)

    await asyncio.gather(*(one(s, random.Random(seed + i)) for i, s in enumerate(sessions)))


@dataclasses.dataclass
class Report:
    lines: list[str] = dataclasses.field(default_factory=list)

    def say(self, text: str) -> None:
        print(text, flush=True)
        self.lines.append(text)


async def measure(
    world: World,
    replicas: Sequence[Replica],
    args: argparse.Namespace,
    out: Report,
    entry: str | None = None,
) -> dict[str, Any]:
    """Every figure of one configuration; sessions go through ``entry`` (nginx) when given."""
    label = f"{len(replicas)} 个应用进程" + (
        ("，经 nginx（按会话 cookie 粘滞）" if entry else "（客户端按会话固定进程）")
        if len(replicas) > 1
        else ""
    )
    fresh = f"，数据新鲜度上限 {args.freshness:g} 秒" if args.freshness else ""
    out.say(f"== {label}，数据库 {args.backend}{fresh}，演示城市 1,560 个单位 × 8 周 ==")
    await warm(replicas, world.users)
    solo = await single_session(replicas, world.users[0], args.rounds, filters=5, entry=entry)
    alone = solo.stats
    p50_1, p95_1 = pct(alone.page_times, 0.5), pct(alone.page_times, 0.95)
    f95_1 = pct(alone.filter_times, 0.95)
    out.say(
        f"单会话（缓存已热）：页面 p50 {p50_1 * 1000:.0f} ms，p95 {p95_1 * 1000:.0f} ms；"
        f"每次页面切换服务器 CPU {solo.cpu_per_view * 1000:.0f} ms；"
        f"登录 CPU {solo.cpu_sign_in * 1000:.0f} ms（argon2id 校验口令）；"
        f"已登录的新标签页首页 CPU {solo.cpu_first_page * 1000:.0f} ms；"
        f"换到未打开过的子树 p95 {f95_1 * 1000:.0f} ms"
    )
    sessions, per_session, open_stats = await idle_memory(
        replicas, world.users, args.sessions, entry
    )
    out.say(
        f"空闲会话内存：{args.sessions} 个会话，每会话 {per_session:.1f} MB（RSS 增量 / 会话数）"
    )
    stats = Stats()
    for session in sessions:
        session.stats = stats
    cpu_before = tree_cpu(replicas)
    started = time.monotonic()
    await drive(sessions, args.seconds, args.think, args.seed)
    elapsed = time.monotonic() - started
    cpu_load = tree_cpu(replicas) - cpu_before
    p50, p95 = pct(stats.page_times, 0.5), pct(stats.page_times, 0.95)
    f95 = pct(stats.filter_times, 0.95)
    out.say(
        f"负载：{args.sessions} 个会话 {elapsed:.0f} 秒（每人两次操作间隔约 {args.think:g} 秒）："
        f"页面 {stats.views} 次（其中换筛选 {stats.filters} 次，另有图片下载 {stats.downloads} 次）；"
        f"切换页面 p50 {p50 * 1000:.0f} ms，p95 {p95 * 1000:.0f} ms = 单会话 p95 的 "
        f"{p95 / p95_1:.1f} 倍（目标 ≤ 5 倍）；换子树 p95 {f95 * 1000:.0f} ms = 单会话的 "
        f"{f95 / f95_1:.1f} 倍"
    )
    out.say(
        f"负载下每次页面服务器 CPU {cpu_load / max(stats.views, 1) * 1000:.0f} ms"
        f"（进程 CPU {cpu_load:.1f} s / 页面 {stats.views} 次，含图片）；"
        f"收到 {stats.bytes_in / 1e6:.1f} MB，已缓存消息只发引用 {stats.refs} 次"
    )
    errors = open_stats.errors + stats.errors
    writes = await write_phase(world, sessions, args, out)
    for session in sessions:
        await session.close()
    errors += writes["errors"]
    out.say(f"错误：{len(errors)} 个" + ("" if not errors else "，例如 " + "；".join(errors[:3])))
    return {
        "replicas": len(replicas),
        "backend": args.backend,
        "sessions": args.sessions,
        "nginx": bool(entry),
        "freshness": args.freshness,
        "single_p50": p50_1,
        "single_p95": p95_1,
        "single_filter_p95": f95_1,
        "load_filter_p95": f95,
        "cpu_per_view": solo.cpu_per_view,
        "cpu_sign_in": solo.cpu_sign_in,
        "cpu_first_page": solo.cpu_first_page,
        "idle_mb_per_session": per_session,
        "load_p50": p50,
        "load_p95": p95,
        "load_views": stats.views,
        "load_cpu_per_view": cpu_load / max(stats.views, 1),
        "errors": len(errors),
        "lock_errors": writes["lock_errors"],
        "rows_lost": writes["rows_lost"],
        "downloads": stats.downloads,
        "filters": stats.filters,
    }


async def write_phase(
    world: World, sessions: Sequence[Session], args: argparse.Namespace, out: Report
) -> dict[str, Any]:
    """M imports of one new week and N online submissions of the week after, all at once,
    while the sessions keep reading (a new week refreshes every cache); then the imported
    rows are compared with what was sent, and the submitted week with a serial run of the
    same submissions on a copy of the starting database."""
    result: dict[str, Any] = {"errors": [], "lock_errors": 0, "rows_lost": 0}
    stats = Stats()
    for session in sessions:
        session.stats = stats
    plan = plan_imports(world, args.imports) if args.imports else None
    submit_plan = None
    if args.submissions:
        submit_plan = plan_submissions(
            world.db_url, _submission_day(world), world.people, args.submissions, seed=args.seed
        )
        open_submission_task(world.db_url, submit_plan)
    reading = asyncio.create_task(drive(sessions, args.seconds / 2, args.think, args.seed + 1))
    started = time.monotonic()
    imports, submitted = await asyncio.gather(
        asyncio.gather(*(run_import(world, path) for path, _ in plan.files)) if plan else _none(),
        asyncio.to_thread(run_submissions, world.db_url, submit_plan) if submit_plan else _none(),
    )
    took = time.monotonic() - started
    await reading
    result["errors"] += stats.errors
    out.say(
        f"写入期间（{took:.1f} 秒）同时页面 {stats.views} 次，"
        f"p95 {pct(stats.page_times, 0.95) * 1000:.0f} ms（新周使缓存失效）"
    )
    if plan is not None:
        _report_imports(world, plan, imports, out, result)
    if submit_plan is not None:
        _report_submissions(world, submit_plan, submitted, out, result)
    return result


async def _none() -> list[Any]:
    return []


def _submission_day(world: World) -> dt.date:
    """Two weeks after the last stored one (the imports fill the week between)."""
    from dashboard.store import db, repo

    engine = db.make_engine(world.db_url)
    last = repo.report_dates(engine)[-1]
    engine.dispose()
    return last + dt.timedelta(days=14)


def _report_imports(
    world: World,
    plan: ImportPlan,
    imports: Sequence[tuple[int, str]],
    out: Report,
    result: dict[str, Any],
) -> None:
    lock_errors = sum(1 for _code, text in imports if "锁" in text or "locked" in text.lower())
    failed = [text for code, text in imports if code != 0]
    sent, lost = rows_lost(world, plan)
    out.say(
        f"并发导入：{len(imports)} 个文件同时导入同一新周，失败 {len(failed)} 个，"
        f"锁错误 {lock_errors} 个；发送 {sent} 行，丢失 {lost} 行"
    )
    for text in failed:
        out.say("  导入输出：" + text.strip().replace("\n", " ")[:300])
    result["errors"] += [f"导入失败 {t[:100]}" for t in failed]
    result["lock_errors"] += lock_errors
    result["rows_lost"] += lost


def _report_submissions(
    world: World,
    plan: SubmitPlan,
    results: Sequence[SubmitResult],
    out: Report,
    result: dict[str, Any],
) -> None:
    assert world.serial_url is not None
    failed = [r.error for r in results if r.error]
    lock_errors = sum(1 for r in results if r.lock_error)
    parallel = week_state(world.db_url, plan.day)
    replay_serially(world.serial_url, plan, results)
    lost = rows_differing(parallel, week_state(world.serial_url, plan.day))
    units = len({c for s in plan.submissions for c in s.cells})
    out.say(
        f"在线填报：{len(results)} 人同时为 {units} 个单位（互有重叠）保存草稿并提交，"
        f"失败 {len(failed)} 个，锁错误 {lock_errors} 个，版本冲突后重读重交 "
        f"{sum(r.conflicts for r in results)} 次；与按提交顺序串行重放相比不同 {lost} 个单位，"
        f"同一单位同周多于一条当前数据 {parallel['doubled']} 个"
    )
    result["errors"] += [f"填报失败 {text}" for text in failed]
    result["lock_errors"] += lock_errors
    result["rows_lost"] += lost + parallel["doubled"]


async def compare(
    world: World, ours: Replica, theirs: Replica, user: str, rounds: int, repeat: int, out: Report
) -> dict[str, float]:
    """CPU per page switch (warm) of this checkout against another (``--baseline-root``), the
    two app processes over one database, measured alternately so the shared machine's load
    falls on both alike; medians of ``repeat``."""
    await warm([ours, theirs], [user])
    mine: list[float] = []
    base: list[float] = []
    first_mine: list[float] = []
    first_base: list[float] = []
    for _ in range(repeat):
        for replica, views, firsts in ((theirs, base, first_base), (ours, mine, first_mine)):
            solo = await single_session([replica], user, rounds)
            views.append(solo.cpu_per_view)
            firsts.append(solo.cpu_first_page)
    med = statistics.median
    out.say(
        f"对照（同一数据库、交替测量 {repeat} 次取中位数）：每次页面切换服务器 CPU "
        f"基线 {med(base) * 1000:.0f} ms → 本版 {med(mine) * 1000:.0f} ms，"
        f"为基线的 {med(mine) / med(base):.2f}（目标 ≤ 0.25）；已登录的新标签页首页 CPU "
        f"基线 {med(first_base) * 1000:.0f} ms → 本版 {med(first_mine) * 1000:.0f} ms"
    )
    return {
        "baseline_cpu_per_view": med(base),
        "cpu_per_view": med(mine),
        "ratio": med(mine) / med(base),
        "baseline_cpu_first_page": med(first_base),
        "cpu_first_page": med(first_mine),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=50, help="concurrent sessions (≤ 200)")
    parser.add_argument(
        "--seconds", type=float, default=60, help="length of the load phase (≤ 900)"
    )
    parser.add_argument(
        "--think", type=float, default=10.0, help="mean seconds between a user's actions"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of the 6 board pages, single session"
    )
    parser.add_argument("--replicas", default="1", help="app processes: 1, 2 or 1,2")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--imports", type=int, default=5, help="concurrent imports during the load")
    parser.add_argument("--submissions", type=int, default=20, help="concurrent online submissions")
    parser.add_argument(
        "--no-nginx",
        action="store_true",
        help="2 replicas without nginx: each session on a replica chosen by the driver",
    )
    parser.add_argument(
        "--freshness",
        type=float,
        default=0,
        help="DASHBOARD_FRESHNESS_SECONDS of the app processes (0: every write shown at once)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--template", type=Path, default=None, help="a demo SQLite file to copy")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--baseline-root",
        type=Path,
        default=None,
        help="another checkout (e.g. main's): compare CPU per page view with it, then stop",
    )
    parser.add_argument("--repeat", type=int, default=3, help="alternations when comparing")
    args = parser.parse_args(argv)
    try:
        bounded(args.sessions, args.seconds)
        counts = [int(c) for c in str(args.replicas).split(",")]
        if any(c not in (1, 2) for c in counts):
            raise DriverError("--replicas 只接受 1、2 或 1,2")
        results: list[dict[str, Any]] = []
        out = Report()
        if args.baseline_root is not None:
            results.append(_compare_run(args, out))
            counts = []
        with tempfile.TemporaryDirectory(prefix="load-driver-") as tmp:
            for count in counts:
                folder = Path(tmp) / f"r{count}"
                folder.mkdir()
                world = prepare(args.backend, folder, args.template)
                try:
                    with (
                        serve(world, count, freshness=args.freshness) as replicas,
                        behind_nginx(folder, replicas, count > 1 and not args.no_nginx) as entry,
                    ):
                        for url in [*(r.url for r in replicas), *([entry] if entry else [])]:
                            require_loopback(url)
                        results.append(asyncio.run(measure(world, replicas, args, out, entry)))
                finally:
                    drop(world)
        if args.json is not None:
            args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))
        failed = any(r.get("errors") or r.get("rows_lost") or r.get("lock_errors") for r in results)
        return 1 if failed else 0
    except DriverError as exc:
        print(f"负载驱动：{exc}", file=sys.stderr)
        return 2


def _compare_run(args: argparse.Namespace, out: Report) -> dict[str, Any]:
    root = args.baseline_root.resolve()
    if not (root / "dashboard" / "server.py").exists():
        raise DriverError(f"{root} 不是看板的代码目录（缺少 dashboard/server.py）")
    with tempfile.TemporaryDirectory(prefix="load-driver-") as tmp:
        world = prepare(args.backend, Path(tmp), args.template)
        try:
            with serve(world, 1) as ours, serve(world, 1, root) as theirs:
                for replica in (*ours, *theirs):
                    require_loopback(replica.url)
                out.say(f"== 对照：本版 {ROOT} 与基线 {root}，数据库 {args.backend} ==")
                return asyncio.run(
                    compare(
                        world, ours[0], theirs[0], world.users[0], args.rounds, args.repeat, out
                    )
                )
        finally:
            drop(world)


if __name__ == "__main__":
    raise SystemExit(main())
