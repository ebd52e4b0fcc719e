"""Start the served board (``streamlit run dashboard/server.py``) as a child process.

One launcher for whoever needs a real server on this machine: the browser and replica tests,
the load driver. A server listens on a loopback port of its own with the given database and
environment; ``serving`` waits until Streamlit answers ``/_stcore/health`` and stops the
process at the end, whatever happened in between.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "ServeError",
    "Server",
    "free_port",
    "healthy",
    "serving",
    "start",
    "stop",
    "wait_healthy",
]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
HEALTH_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0


class ServeError(RuntimeError):
    """The server exited or never became healthy (the message quotes its log's tail)."""


@dataclass
class Server:
    """A started board process: its address, process and log file."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def log_tail(self, size: int = 1500) -> str:
        if not self.log.exists():
            return ""
        return self.log.read_text("utf-8", "replace")[-size:]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(port: int, extra: Sequence[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "dashboard/server.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        *extra,
    ]


def start(
    log: Path,
    *,
    database_url: str | None = None,
    env: Mapping[str, str] | None = None,
    root: Path = PROJECT_ROOT,
    extra: Sequence[str] = (),
) -> Server:
    """Start the board of the checkout ``root`` on a free loopback port (not yet healthy).

    The process inherits this one's environment with ``env`` over it, and ``DATABASE_URL``
    when ``database_url`` is given; its output goes to ``log``."""
    port = free_port()
    environment = {**os.environ, **(env or {})}
    if database_url is not None:
        environment["DATABASE_URL"] = database_url
    with open(log, "wb") as out:
        process = subprocess.Popen(
            _command(port, extra), cwd=root, env=environment, stdout=out, stderr=subprocess.STDOUT
        )
    return Server(f"http://127.0.0.1:{port}", process, log)


def healthy(server: Server) -> bool:
    """Whether the server answers its health check now."""
    try:
        with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def wait_healthy(server: Server, timeout: float = HEALTH_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServeError(
                f"应用进程退出（代码 {server.process.returncode}）：{server.log_tail()}"
            )
        if healthy(server):
            return
        time.sleep(0.3)
    raise ServeError(f"应用进程未在 {timeout:.0f} 秒内就绪：{server.log_tail()}")


def stop(server: Server, timeout: float = STOP_TIMEOUT) -> None:
    """Ask the server to stop (SIGTERM) and kill it if it has not after ``timeout`` s."""
    if server.process.poll() is not None:
        return
    server.process.terminate()
    try:
        server.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=timeout)


@contextlib.contextmanager
def serving(
    logs: Sequence[Path],
    *,
    database_url: str | None = None,
    env: Mapping[str, str] | None = None,
    root: Path = PROJECT_ROOT,
    extra: Sequence[str] = (),
    timeout: float = HEALTH_TIMEOUT,
) -> Iterator[list[Server]]:
    """One server per log file, started together over the same database and environment
    (replicas), healthy when yielded, all stopped at the end."""
    servers: list[Server] = []
    try:
        for log in logs:
            servers.append(start(log, database_url=database_url, env=env, root=root, extra=extra))
        for server in servers:
            wait_healthy(server, timeout)
        yield servers
    finally:
        for server in servers:
            if server.process.poll() is None:
                server.process.terminate()
        for server in servers:
            stop(server)
