"""Two replicas of the board over one PostgreSQL database, behind nginx (deploy/ as shipped).

The test starts both app processes (``streamlit run dashboard/server.py`` on free ports, the
same cookie secret) and nginx as this user (a config in a temporary folder: the site file
``deploy/nginx/dashboard.conf`` with its upstream pointed at the two replicas and plain HTTP on
a free loopback port), and stops all three at the end.

Checked over HTTP: nginx keeps a browser on one replica (sticky by the session cookie), lets
the websocket through, replaces a forged X-Forwarded-For, refuses an oversized upload in
Chinese; a session started through one replica is valid on the other, and signing out,
disabling the user or revoking its sessions through one process ends it on both. Checked in
a real browser: a tab open on one replica sees an upload made through the other on its next
rerun (报送率 93.3% → 100.0%), and stops at 请先登录 on its next rerun once the user signed out on the other.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import Engine, delete, insert, select

from dashboard import serve
from dashboard.auth import accounts
from dashboard.core.catalogue import INDICATORS
from dashboard.remind import scheduler, service
from dashboard.store import db, remind_repo, repo
from dashboard.store.schema import auth_failures, fill_tasks, leases
from dashboard.web.signin import CSRF_COOKIE
from tests.conftest import PgDatabases, pg_url
from tests.core.report_data import fill_database
from tests.e2e.conftest import wait_for_app
from tests.remind.conftest import Recorder, robot

pytestmark = pytest.mark.e2e
__all__ = ["robot"]
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "replica-password-1"


@dataclass
class Cluster:
    url: str  # the database
    nginx: str  # http://127.0.0.1:PORT
    replicas: list[str]  # http://127.0.0.1:PORT of each app process
    pids: list[int]  # each app process's id (the scheduler's lease names it)


@contextlib.contextmanager
def run_nginx(folder: Path, replicas: list[int]) -> Iterator[str]:
    """nginx with the shipped site in front of the replicas (each answer names its replica)."""
    if serve.nginx_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (./dev test installs it)")
        pytest.skip("nginx not installed")
    with serve.proxying(folder, replicas, label=True) as url:
        yield url


@pytest.fixture(scope="module")
def cluster(pg_databases: PgDatabases, tmp_path_factory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("replicas")
    name = pg_databases.fresh()
    url = pg_url(name)
    engine = db.make_engine(url)
    fill_database(engine)
    for user in ("admin", "second", "third"):
        accounts.add_user(engine, user, "admin", PASSWORD)
    engine.dispose()
    env = {
        "DEMO_DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_urlsafe(32),
        "PYTHONPATH": str(ROOT),
        # both replicas run the 催报 scheduler (the default), checking twice a second
        "DASHBOARD_REMIND_INTERVAL": "0.5",
    }
    logs = [folder / f"replica{i}.log" for i in (1, 2)]
    try:
        with contextlib.ExitStack() as stack:
            servers = stack.enter_context(serve.serving(logs, database_url=url, env=env))
            proxy = stack.enter_context(run_nginx(folder, [s.port for s in servers]))
            yield Cluster(url, proxy, [s.url for s in servers], [s.pid for s in servers])
    finally:
        pg_databases.drop(name)


# --- HTTP ------------------------------------------------------------------------------------
@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str


def request(
    base: str, path: str, *, method: str = "GET", cookies: dict[str, str] | None = None,
    body: bytes | None = None, headers: dict[str, str] | None = None,
) -> Answer:  # fmt: skip
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    sent = dict(headers or {})
    if cookies:
        sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    conn.request(method, path, body=body, headers=sent)
    response = conn.getresponse()
    answer = Answer(response.status, response.headers, response.read().decode("utf-8", "replace"))
    conn.close()
    return answer


def set_cookies(answer: Answer) -> dict[str, str]:
    found = {}
    for header in answer.headers.get_all("set-cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def sign_in(base: str, name: str, password: str = PASSWORD, **extra: str) -> Answer:
    """Post the sign-in form as a browser does: its CSRF token in the form and the cookie."""
    token = set_cookies(request(base, "/auth/login"))[CSRF_COOKIE]
    body = urllib.parse.urlencode({"csrf": token, "next": "/", "name": name, "password": password})
    return request(
        base,
        "/auth/login",
        method="POST",
        cookies={CSRF_COOKIE: token},
        body=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **extra},
    )


def session_of(base: str, name: str) -> dict[str, str]:
    answer = sign_in(base, name)
    assert answer.status == 303, answer.body
    return {"dash_session": set_cookies(answer)["dash_session"]}


def served(base: str, cookies: dict[str, str]) -> bool:
    return request(base, "/", cookies=cookies).status == 200


def websocket_upgrade(base: str, cookies: dict[str, str] | None) -> int:
    """The status nginx (and the replica behind it) answers to a websocket handshake."""
    parts = urllib.parse.urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        lines = [
            "GET /_stcore/stream HTTP/1.1",
            f"Host: {parts.netloc}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            f"Origin: {base}",
        ]
        if cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status_line = sock.recv(4096).split(b"\r\n", 1)[0].decode()
    return int(status_line.split()[1])


def cli(url: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "dashboard", *args, "--db", url],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_sticky_sessions_websocket_and_limits_through_nginx(cluster: Cluster) -> None:
    cookies = session_of(cluster.nginx, "admin")
    replicas = {request(cluster.nginx, "/", cookies=cookies).headers["X-Replica"] for _ in range(8)}
    assert len(replicas) == 1, f"one browser, one replica: {replicas}"
    assert all(served(base, cookies) for base in cluster.replicas), "the session is shared"
    assert websocket_upgrade(cluster.nginx, cookies) == 101
    assert websocket_upgrade(cluster.nginx, None) in (401, 403)

    # A browser cannot claim another address: lock-outs count the real one.
    failed = sign_in(cluster.nginx, "admin", "wrong", **{"X-Forwarded-For": "203.0.113.9"})
    assert failed.status == 401
    engine = db.make_engine(cluster.url)
    with engine.connect() as conn:
        keys = set(conn.execute(select(auth_failures.c.key)).scalars())
    engine.dispose()
    assert "addr:127.0.0.1" in keys and not any("203.0.113.9" in key for key in keys)

    # Over the upload cap: nginx answers before the body is sent, in Chinese.
    parts = urllib.parse.urlsplit(cluster.nginx)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.putrequest("PUT", "/_stcore/upload_file/x/y")
    conn.putheader("Content-Length", str(60 * 1024 * 1024))
    conn.putheader("Cookie", f"dash_session={cookies['dash_session']}")
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 413
    assert "文件超过 50 MB" in response.read().decode("utf-8")
    conn.close()


def test_sign_out_disable_and_revoke_reach_every_replica(cluster: Cluster) -> None:
    first, second = cluster.replicas
    cookies = session_of(first, "admin")
    assert served(second, cookies)
    assert request(first, "/auth/logout", cookies=cookies).status == 303
    assert not served(second, cookies) and not served(first, cookies)

    cookies = session_of(second, "second")
    assert served(first, cookies)
    cli(cluster.url, "users", "disable", "second")
    assert not served(first, cookies) and not served(second, cookies)
    assert sign_in(first, "second").status == 401

    cookies = session_of(first, "third")
    assert served(second, cookies)
    cli(cluster.url, "users", "sessions", "--revoke", "third")
    assert not served(second, cookies) and not served(first, cookies)


# --- browser ---------------------------------------------------------------------------------
def _late_return(folder: Path) -> Path:
    """乙四村's return for 27 October, the week it was silent in (its usual cold figures)."""
    cold = {"problems_found": 10, "measures_set": 10, "survey_topics": 10}
    book = openpyxl.Workbook()
    book.active.append(["主题教育进展统计表（截至2023年10月27日）"])
    book.active.append(["单位编码", "单位名称", *[ind.header for ind in INDICATORS]])
    book.active.append(["01020202", "乙四村", *[cold.get(ind.code, 1) for ind in INDICATORS]])
    path = folder / "乙四村补报.xlsx"
    book.save(path)
    return path


def _rerun_on(page, title: str) -> str:  # type: ignore[no-untyped-def]
    """Click a page in the sidebar (a rerun of the open session, no reload); the page text."""
    page.get_by_role("link", name=title).first.click()
    wait_for_app(page)
    time.sleep(1)
    wait_for_app(page)
    return page.inner_text("body")


def test_open_tab_on_one_replica_follows_the_other(cluster: Cluster, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cookies = session_of(cluster.nginx, "admin")
    chosen = request(cluster.nginx, "/", cookies=cookies).headers["X-Replica"]
    other = next(base for base in cluster.replicas if not base.endswith(chosen.rsplit(":", 1)[1]))

    def context_on(base: str):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        context.add_cookies(
            [{"name": "dash_session", "value": cookies["dash_session"], "url": base}]
        )
        return context

    through_nginx, on_other = context_on(cluster.nginx), context_on(other)
    try:
        watcher = on_other.new_page()
        watcher.goto(f"{other}/")  # 总览, the default page
        wait_for_app(watcher)
        watcher.get_by_text("报送率").first.wait_for(timeout=60_000)
        assert "93.3%" in watcher.inner_text("body")  # 14 of 15 units reported on 27 Oct

        uploader = through_nginx.new_page()
        uploader.goto(f"{cluster.nginx}/upload")
        wait_for_app(uploader)
        uploader.get_by_text("拖入周报文件").first.wait_for(timeout=60_000)
        uploader.set_input_files(
            '[data-testid="stFileUploader"] input[type="file"]', str(_late_return(tmp_path))
        )
        uploader.get_by_role("button", name="确认入库（1 个文件，1 行）").click(timeout=90_000)
        uploader.get_by_text("已入库 1 个文件、1 行").first.wait_for(timeout=90_000)

        # The other replica's open tab: its next rerun counts the late return.
        _rerun_on(watcher, "报送情况")
        _rerun_on(watcher, "总览")
        # the other replica draws its metrics after the page's title: wait for the new figure
        watcher.get_by_text("100.0%").first.wait_for(timeout=60_000)
        watcher.screenshot(path=str(tmp_path / "other-replica.png"), full_page=True)

        # Signing out through nginx ends the session the other replica's tab runs on.
        assert request(cluster.nginx, "/auth/logout", cookies=cookies).status == 303
        watcher.get_by_role("link", name="总览").first.click()
        watcher.get_by_text("请先登录").first.wait_for(timeout=60_000)
    finally:
        through_nginx.close()
        on_other.close()


# --- the 催报 scheduler on both replicas -------------------------------------------------------
def _due_reminder(url: str, robot_url: str) -> dt.date:
    """This week's 填报 task due tomorrow, a rule whose slot came five minutes ago, the
    group robot switched on: every unit of the registry is pending. The report day."""
    engine = db.make_engine(url)
    week = service.current_report_date(repo.get_settings(engine), service.office_today({}))
    tz = ZoneInfo("Asia/Shanghai")
    moment = dt.datetime.now(tz) - dt.timedelta(minutes=5)
    deadline = dt.datetime.combine(moment.date() + dt.timedelta(days=1), dt.time(23, 59), tz)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(fill_tasks).values(
                report_date=week,
                opens_at=now - dt.timedelta(days=3),
                deadline=deadline.astimezone(dt.UTC),
                created_at=now,
            )
        )
    repo.set_settings(
        engine,
        {
            "remind_channels": ["wecom"],
            "remind_wecom_url": f"{robot_url}/ok",
            "remind_times": [f"截止前1天 {moment:%H:%M}"],
            "remind_auto": ["auto"],
        },
    )
    engine.dispose()
    return week


def _holder_pid(engine: Engine) -> int | None:
    held = remind_repo.lease_holder(engine, scheduler.LEASE)
    return int(held[0].split(":")[1]) if held else None


def test_both_replicas_schedule_and_a_due_reminder_goes_once(
    cluster: Cluster, robot: Recorder
) -> None:
    week = _due_reminder(cluster.url, robot.url)
    engine = db.make_engine(cluster.url)
    expected = len(service.plan(engine, week, None).groups)
    assert expected >= 1
    deadline = time.monotonic() + 60
    while len(robot.requests) < expected and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(robot.requests) == expected, "the due slot was sent"

    # The lease changes hands while the slot stays due: whoever holds it finds it sent.
    holders = {_holder_pid(engine)}
    deadline = time.monotonic() + 40
    while set(cluster.pids) - holders and time.monotonic() < deadline:
        with engine.begin() as conn:
            conn.execute(delete(leases).where(leases.c.name == scheduler.LEASE))
        time.sleep(0.7)
        holders.add(_holder_pid(engine))
    time.sleep(2)
    assert holders - {None} == set(cluster.pids), "both replicas ran the scheduler"
    bodies = [json.dumps(r["body"], ensure_ascii=False, sort_keys=True) for r in robot.requests]
    assert len(bodies) == expected and len(set(bodies)) == expected, "each message once"
    log = remind_repo.load_log(engine)
    engine.dispose()
    sent = log[(log["channel"] == "wecom") & (log["status"] == "sent")]
    assert len(sent) == expected and set(log["actor"]) == {"scheduler"}
