"""催报 fixtures: a small registry with liaisons, a robot endpoint and a mail server that
record what they receive (both local, started by the test, on ports the OS picks)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import socketserver
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from dashboard.store import repo, returns_repo
from dashboard.store.schema import fill_entries, fill_tasks, units, users

DAY = dt.date(2026, 11, 27)  # a Friday: the default report weekday

# code, name, parent, level, contact name, phone
UNITS = [
    ("C", "青川市", None, 1, "李明", "0871-6000001"),
    ("C01", "东县", "C", 2, "张三", "139-0000-0001"),
    ("C0101", "东县甲镇", "C01", 3, "赵六", "13700000001"),
    ("C0102", "东县乙镇", "C01", 3, "", ""),
    ("C010201", "乙镇一村", "C0102", 4, "", ""),
    ("C02", "西县", "C", 2, "", ""),
]


def seed(engine: Engine, *, accounts: bool = True, day: dt.date = DAY) -> None:
    """The registry above; 甲镇 has reported figures for ``day``, 西县 submitted online."""
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(units),
            [
                {"code": c, "name": n, "parent_code": p, "level": lv, "category": "党政机关",
                 "aliases": "", "sort_order": i, "retired": False,
                 "contact_name": cn or None, "contact_phone": ph or None}
                for i, (c, n, p, lv, cn, ph) in enumerate(UNITS)
            ],
        )  # fmt: skip
        task = conn.execute(
            insert(fill_tasks).values(
                report_date=day,
                opens_at=now - dt.timedelta(days=3),
                deadline=now + dt.timedelta(days=1),
                created_at=now,
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(fill_entries).values(
                task_id=task, unit_code="C02", status="submitted", figures={}, saved_at=now
            )
        )
        if accounts:
            conn.execute(
                insert(users),
                [
                    {"name": "dong", "role": "liaison", "scope_code": "C01",
                     "email": "dong@example.test", "created_at": now, "disabled": False},
                    {"name": "office1", "role": "office", "scope_code": None,
                     "email": "office@example.test", "created_at": now, "disabled": False},
                ],
            )  # fmt: skip
    returns_repo.save_upload(
        engine,
        file_name="甲镇.xlsx",
        content=b"jia",
        status="imported",
        rows=[{"unit_code": "C0101", "report_date": day, "figures": {"problems_found": 3},
               "sheet": None, "row": None}],
        report_date=day,
    )  # fmt: skip


def set_task_deadline(engine: Engine, deadline: dt.datetime, day: dt.date = DAY) -> None:
    """Stored in UTC, as the app stores every moment (SQLite keeps no time zone)."""
    from sqlalchemy import update

    utc = deadline.astimezone(dt.UTC)
    with engine.begin() as conn:
        conn.execute(update(fill_tasks).where(fill_tasks.c.report_date == day).values(deadline=utc))


@dataclass
class Recorder:
    """What the robot endpoint received: path, query and JSON body of each POST."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]


SLOW_ANSWER_S = 30.0
"""How long /slow keeps a sender waiting: far beyond any timeout the tests set."""


@pytest.fixture
def robot() -> Iterator[Recorder]:
    """A local robot endpoint. Paths: /ok answers errcode 0; /http500 HTTP 500; /errcode
    errcode 310000; /slow answers only after SLOW_ANSWER_S (or when the test ends)."""
    recorder = Recorder("")
    released = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            parsed = urllib.parse.urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with recorder.lock:
                recorder.requests.append(
                    {
                        "path": parsed.path,
                        "query": dict(urllib.parse.parse_qsl(parsed.query)),
                        "raw_query": parsed.query,
                        "body": json.loads(body.decode("utf-8")),
                        "content_type": self.headers.get("Content-Type"),
                    }
                )
            if parsed.path == "/http500":
                self.send_error(500, "Internal Server Error")
                return
            if parsed.path == "/slow":
                released.wait(SLOW_ANSWER_S)
            reply = (
                {"errcode": 310000, "errmsg": "sign not match"}
                if parsed.path == "/errcode"
                else {"errcode": 0, "errmsg": "ok"}
            )
            data = json.dumps(reply).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # /slow: the sender gave up waiting, as it should

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        released.set()
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    port: int
    messages: list[dict[str, Any]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture
def mail_server() -> Iterator[Mailbox]:
    """A tiny SMTP server (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) that keeps each message.
    User "robot" with password "right" may log in; RCPT to an address at "refused.test" is
    refused."""
    box = Mailbox(0)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"220 localhost ESMTP test\r\n")
            sender, rcpts = "", []
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                verb = line.decode().strip()
                upper = verb.upper()
                if upper.startswith("EHLO"):
                    self.wfile.write(b"250-localhost\r\n250-AUTH PLAIN LOGIN\r\n250 OK\r\n")
                elif upper.startswith("HELO") or upper in ("RSET", "NOOP"):
                    self.wfile.write(b"250 OK\r\n")
                elif upper.startswith("AUTH PLAIN"):
                    raw = base64.b64decode(verb.split()[2]).split(b"\0")
                    user, password = raw[1].decode(), raw[2].decode()
                    box.logins.append((user, password))
                    ok = (user, password) == ("robot", "right")
                    self.wfile.write(b"235 OK\r\n" if ok else b"535 authentication failed\r\n")
                elif upper.startswith("MAIL FROM:"):
                    sender, rcpts = verb[10:].strip(" <>"), []
                    self.wfile.write(b"250 OK\r\n")
                elif upper.startswith("RCPT TO:"):
                    address = verb[8:].strip(" <>")
                    if address.endswith("@refused.test"):
                        self.wfile.write(b"550 no such user\r\n")
                    else:
                        rcpts.append(address)
                        self.wfile.write(b"250 OK\r\n")
                elif upper == "DATA":
                    self.wfile.write(b"354 go ahead\r\n")
                    data = []
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data.append(chunk)
                    box.messages.append({"from": sender, "to": rcpts, "data": b"".join(data)})
                    self.wfile.write(b"250 queued\r\n")
                elif upper == "QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:
                    self.wfile.write(b"502 not implemented\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    box.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


def configure(engine: Engine, **changes: Any) -> None:
    repo.set_settings(engine, changes)
