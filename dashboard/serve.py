"""Start the served board (``streamlit run dashboard/server.py``) as a child process.

One launcher for whoever needs a real server on this machine: the browser and replica tests,
the load driver. A server listens on a loopback port of its own with the given database and
environment; ``serving`` waits until Streamlit answers ``/_stcore/health`` and stops the
process at the end, whatever happened in between. ``proxying`` puts nginx in front of
replicas with the shipped site file (``deploy/nginx/dashboard.conf``), run as this user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "PROJECT_ROOT",
    "ServeError",
    "Server",
    "free_port",
    "healthy",
    "nginx_binary",
    "nginx_config",
    "proxying",
    "serving",
    "start",
    "stop",
    "wait_healthy",
]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SITE = PROJECT_ROOT / "deploy" / "nginx" / "dashboard.conf"
HEALTH_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0
# Debian's Chromium and the flags it runs with headless here (browser tests, screenshots)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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


# --- nginx in front of replicas ------------------------------------------------------------
def nginx_binary() -> Path | None:
    """The nginx program (Debian's package), or None when it is not installed."""
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return Path(found) if Path(found).exists() else None


def nginx_config(folder: Path, listen: int, ports: Sequence[int], *, label: bool = False) -> Path:
    """The shipped site, made runnable by this user in ``folder``: the upstream lists the
    replicas' ports, the HTTPS server listens in plain HTTP on loopback port ``listen``;
    with ``label`` each answer names the replica that served it (``X-Replica``)."""
    site = SITE.read_text(encoding="utf-8")
    site = re.sub(r"\n    server 127\.0\.0\.1:\d+[^;]*;", "", site)
    lines = "".join(
        f"\n    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;" for port in ports
    )
    site = site.replace("consistent;", "consistent;" + lines, 1)
    site = re.sub(r"server \{\n    listen 80;.*?\n\}\n", "", site, count=1, flags=re.S)
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{listen};")
    site = re.sub(r"\n    ssl_certificate\S* [^;]*;", "", site)
    if label:
        site = site.replace(
            "proxy_pass http://dashboard;",
            "proxy_pass http://dashboard;\n        add_header X-Replica $upstream_addr always;",
        )
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = folder / "nginx.conf"
    conf.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} info;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n    access_log {folder / 'access.log'};\n{temp}\n{site}\n}}\n",
        encoding="utf-8",
    )
    return conf


@contextlib.contextmanager
def proxying(folder: Path, ports: Sequence[int], *, label: bool = False) -> Iterator[str]:
    """nginx with the shipped site in front of the replicas on ``ports``, listening on a
    free loopback port (its address is yielded), stopped at the end."""
    binary = nginx_binary()
    if binary is None:
        raise ServeError("未安装 nginx（apt-get install nginx）")
    port = free_port()
    conf = nginx_config(folder, port, ports, label=label)
    args = [str(binary), "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    check = subprocess.run([*args, "-t"], capture_output=True, text=True)
    if check.returncode != 0:
        raise ServeError(f"nginx 配置无效：{check.stderr}")
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise ServeError(f"nginx 未能启动：{(folder / 'error.log').read_text()[-1500:]}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()  # SIGTERM: nginx's fast shutdown, workers included
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
