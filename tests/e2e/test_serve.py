"""The shared launcher (``dashboard/serve.py``): a server that cannot start is named with its
log, and one that started is stopped at the end of ``serving``."""

from __future__ import annotations

import pytest

from dashboard import serve

pytestmark = pytest.mark.e2e


def test_a_server_that_exits_is_reported_with_its_log(tmp_path) -> None:
    log = tmp_path / "bad.log"
    bad = serve.serving([log], extra=["--server.no-such-option", "1"], timeout=60)
    with pytest.raises(serve.ServeError, match="应用进程退出") as raised, bad:
        pytest.fail("a server with an unknown option never becomes healthy")
    assert "no-such-option" in str(raised.value)  # the log's tail says why


def test_serving_stops_every_server_it_started(tmp_path, demo_database: str) -> None:
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    with serve.serving(logs, database_url=demo_database) as servers:
        assert len({s.port for s in servers}) == 2
        assert all(serve.healthy(s) for s in servers)
    assert all(s.process.poll() is not None for s in servers)
    assert not any(serve.healthy(s) for s in servers)
