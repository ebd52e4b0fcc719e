"""Automatic 催报: due slots are sent once — by one pass, by two app processes running the
scheduler loop against one database (SQLite file and PostgreSQL), and by cron's CLI."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from dashboard.cli import main
from dashboard.remind import scheduler
from dashboard.store import remind_repo
from tests.remind.conftest import DAY, Recorder, configure, seed, set_task_deadline

ROOT = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Asia/Shanghai")


def _due_now(engine: Engine, robot: Recorder) -> str:
    """Seed the registry and a rule whose slot fell five minutes ago; returns the slot key."""
    seed(engine)
    moment = dt.datetime.now(TZ) - dt.timedelta(minutes=5)
    # the deadline's day is the day after the slot's: "截止前1天 HH:MM" is that moment
    set_task_deadline(
        engine, dt.datetime.combine(moment.date() + dt.timedelta(days=1), dt.time(23, 59), TZ)
    )
    configure(
        engine,
        remind_channels=["wecom", "notice"],
        remind_wecom_url=f"{robot.url}/ok",
        remind_times=[f"截止前1天 {moment:%H:%M}"],
        remind_auto=["auto"],
    )
    return f"{DAY:%Y%m%d}|b1@{moment:%H%M}|{moment:%Y%m%d}"


def _slot_rows(engine: Engine) -> list[tuple[str, str]]:
    log = remind_repo.load_log(engine)
    return sorted(zip(log["channel"], log["recipient"], strict=True))


def test_a_due_slot_is_sent_once(any_engine: Engine, robot: Recorder) -> None:
    key = _due_now(any_engine, robot)
    first = scheduler.run_due(any_engine)
    assert {o.status for o in first if o.channel == "wecom"} == {"sent"}
    assert len(robot.requests) == 2
    again = scheduler.run_due(any_engine)
    assert {o.status for o in again} == {"skipped"}
    assert len(robot.requests) == 2
    log = remind_repo.load_log(any_engine)
    assert set(log["slot"]) == {key} and set(log["actor"]) == {"scheduler"}
    assert len(remind_repo.unread_notices(any_engine, "dong")) == 1


def test_nothing_is_due_before_the_slot_or_without_rules(engine: Engine, robot: Recorder) -> None:
    _due_now(engine, robot)
    assert scheduler.run_due(engine, now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)) == []
    configure(engine, remind_auto=[])  # switched off
    assert scheduler.run_due(engine) == []
    configure(engine, remind_auto=["auto"], remind_times=[])
    assert scheduler.run_due(engine) == []
    assert robot.requests == []


def test_the_scheduler_thread_holds_the_lease(engine: Engine, robot: Recorder) -> None:
    _due_now(engine, robot)
    one, two = scheduler.Scheduler(engine), scheduler.Scheduler(engine)
    assert one.tick() and two.tick() == []  # the second cannot take the lease
    holder = remind_repo.lease_holder(engine, scheduler.LEASE)
    assert holder is not None and holder[0] == one.holder
    assert len(robot.requests) == 2


SCRIPT = textwrap.dedent(
    """
    import sys, time
    from dashboard.remind import scheduler
    from dashboard.store import db

    engine = db.make_engine(sys.argv[1])
    mode, until = sys.argv[2], time.time() + float(sys.argv[3])
    if mode == "thread":  # the app's scheduler loop, lease and all
        thread = scheduler.Scheduler(engine, interval=0.1)
        thread.start()
        time.sleep(until - time.time())
        thread.stop()
        thread.join()
    else:  # no lease: only the slot's unique claim stands between two senders
        while time.time() < until:
            scheduler.run_due(engine)
    """
)


def _two_processes(url: str, mode: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, url, mode, "3"],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()


@pytest.mark.parametrize("mode", ["thread", "no-lease"])
def test_two_processes_send_each_slot_once(any_engine: Engine, robot: Recorder, mode: str) -> None:
    _due_now(any_engine, robot)
    url = any_engine.url.render_as_string(hide_password=False)
    _two_processes(url, mode)
    assert len(robot.requests) == 2  # one per liaison group, not one per process
    greetings = sorted(r["body"]["text"]["content"].split("\n")[1][:4] for r in robot.requests)
    assert greetings == ["张三同志", "李明同志"]  # each liaison once
    rows = _slot_rows(any_engine)
    assert rows == sorted(set(rows)) and len(rows) == 4  # 2 robot + 2 notice deliveries
    assert len(remind_repo.unread_notices(any_engine, "dong")) == 1


def test_cron_command_sends_due_reminders_once(
    engine: Engine, robot: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    _due_now(engine, robot)
    url = engine.url.render_as_string(hide_password=False)
    assert main(["remind", "--due", "--db", url]) == 1  # 李明's notice has no account: failed
    out = capsys.readouterr().out
    assert "[已发送] 企业微信" in out and "[失败] 站内通知" in out
    assert main(["remind", "--due", "--db", url]) == 0
    assert "没有到时间的自动催报" in capsys.readouterr().out
    assert len(robot.requests) == 2


def test_cron_command_leaves_the_work_to_a_running_app(
    engine: Engine, robot: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    _due_now(engine, robot)
    assert remind_repo.take_lease(engine, scheduler.LEASE, "app", scheduler.LEASE_TTL)
    url = engine.url.render_as_string(hide_password=False)
    assert main(["remind", "--due", "--db", url]) == 0
    assert "另一个进程" in capsys.readouterr().out and robot.requests == []


def test_list_and_log_commands(
    engine: Engine, robot: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    _due_now(engine, robot)
    url = engine.url.render_as_string(hide_password=False)
    assert main(["remind", "--list", "--date", DAY.isoformat(), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "未报单位 4 个，联络人 2 位" in out and "== 张三　139-0000-0001（3 个单位）==" in out
    assert main(["remind", "--log", "--db", url]) == 0
    assert "尚无催报记录" in capsys.readouterr().out
    scheduler.run_due(engine)
    assert main(["remind", "--log", "--db", url]) == 0
    assert "已发送  企业微信" in capsys.readouterr().out
    assert main(["remind", "--list", "--scope", "NOPE", "--db", url]) == 1
