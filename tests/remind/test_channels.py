"""Deliveries to a local robot endpoint and a local mail server, both started here: the
企业微信 and 钉钉 formats, the 钉钉 signature recomputed, and every kind of failure shown
and logged."""

from __future__ import annotations

import base64
import datetime as dt
import email
import hashlib
import hmac
import time
import urllib.parse
from email.policy import default

import pytest
from sqlalchemy import Engine

from dashboard import door
from dashboard.auth import audit
from dashboard.core.settings import defaults
from dashboard.core.settings import problems as settings_problems
from dashboard.remind import channels, service
from dashboard.store import remind_repo, repo
from tests.remind.conftest import DAY, SLOW_ANSWER_S, Mailbox, Recorder, configure, seed

YI_ZHEN = door.Viewer("yi", "liaison", "C0102")  # 东县乙镇's own liaison


def _send(engine: Engine, chosen: list[str]) -> list[service.Outcome]:
    seed(engine)
    plan = service.plan(engine, DAY, None)
    return service.send(engine, plan, chosen, "office1", address="127.0.0.1")


def test_wecom_robot_gets_its_text_format(engine: Engine, robot: Recorder) -> None:
    configure(engine, remind_channels=["wecom"], remind_wecom_url=f"{robot.url}/ok?key=K")
    outcomes = _send(engine, ["wecom"])
    assert [o.status for o in outcomes] == ["sent", "sent"]
    assert robot.paths() == ["/ok", "/ok"] and robot.requests[0]["query"] == {"key": "K"}
    body = robot.requests[1]["body"]
    assert body["msgtype"] == "text" and set(body) == {"msgtype", "text"}
    assert body["text"]["mentioned_mobile_list"] == ["13900000001"]  # 张三's mobile
    assert "东县乙镇" in body["text"]["content"]
    assert robot.requests[0]["body"]["text"]["mentioned_mobile_list"] == []  # a landline
    assert robot.requests[0]["content_type"].startswith("application/json")
    log = remind_repo.load_log(engine)
    assert list(log["status"]) == ["sent", "sent"] and set(log["channel"]) == {"wecom"}
    assert list(log["recipient"]) == ["张三　139-0000-0001", "李明　0871-6000001"]
    entries = audit.entries(engine)
    assert "remind" in set(entries["action"])


def test_dingtalk_robot_is_signed(engine: Engine, robot: Recorder) -> None:
    secret = "SEC0123456789abcdef"
    configure(
        engine,
        remind_dingtalk_url=f"{robot.url}/ok?access_token=T0K",
        remind_dingtalk_secret=secret,
    )
    before = int(time.time() * 1000)
    outcomes = _send(engine, ["dingtalk"])
    after = int(time.time() * 1000)
    assert [o.status for o in outcomes] == ["sent", "sent"]
    for request in robot.requests:
        query = request["query"]
        assert query["access_token"] == "T0K"
        stamp = int(query["timestamp"])
        assert before <= stamp <= after
        expected = base64.b64encode(
            hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        assert query["sign"] == expected
        assert f"sign={urllib.parse.quote_plus(expected)}" in request["raw_query"]
    body = robot.requests[1]["body"]
    assert body["msgtype"] == "text" and "东县乙镇" in body["text"]["content"]
    assert body["at"] == {"atMobiles": ["13900000001"], "isAtAll": False}


def test_the_signing_secret_from_the_environment_wins(
    engine: Engine, robot: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_DINGTALK_SECRET", "SECfromenv")
    configure(engine, remind_dingtalk_url=f"{robot.url}/ok", remind_dingtalk_secret="SECstored")
    _send(engine, ["dingtalk"])
    query = robot.requests[0]["query"]
    stamp = query["timestamp"]
    digest = hmac.new(b"SECfromenv", f"{stamp}\nSECfromenv".encode(), hashlib.sha256).digest()
    assert query["sign"] == base64.b64encode(digest).decode()


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/http500", "HTTP 500"),
        ("/errcode", "errcode=310000：sign not match"),
        ("/slow", "连接超时：1 秒内"),
    ],
)
def test_a_failed_delivery_is_shown_and_logged(
    engine: Engine, robot: Recorder, path: str, said: str
) -> None:
    configure(engine, remind_wecom_url=f"{robot.url}{path}", remind_timeout=1)
    started = time.monotonic()
    outcomes = _send(engine, ["wecom"])
    # Bounded: neither send waited for /slow's answer (a busy machine may stretch the 1 s).
    assert time.monotonic() - started < SLOW_ANSWER_S
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert all(said in (o.error or "") for o in outcomes)
    log = remind_repo.load_log(engine)
    assert list(log["status"]) == ["failed", "failed"]
    assert all(said in e for e in log["error"])
    table = service.outcomes_table(outcomes)
    assert list(table["结果"]) == ["发送失败", "发送失败"]


def test_an_unreachable_robot_and_a_missing_address_are_failures(engine: Engine) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    configure(engine, remind_wecom_url=f"http://127.0.0.1:{port}/x")
    outcomes = _send(engine, ["wecom", "dingtalk"])
    errors = [(o.channel, o.error or "") for o in outcomes]
    assert all(
        c == "wecom" and "无法连接" in e or c == "dingtalk" and "未设置钉钉" in e for c, e in errors
    )
    assert len(remind_repo.load_log(engine, statuses=["failed"])) == 4


def _smtp(engine: Engine, box: Mailbox, password: str = "right") -> None:
    configure(
        engine,
        remind_smtp_host="127.0.0.1",
        remind_smtp_port=box.port,
        remind_smtp_security="none",
        remind_smtp_user="robot",
        remind_smtp_password=password,
        remind_smtp_sender="ztjy@example.test",
        remind_timeout=5,
    )


def test_email_reaches_the_liaisons_account_address(engine: Engine, mail_server: Mailbox) -> None:
    _smtp(engine, mail_server)
    outcomes = _send(engine, ["email"])
    # 张三's units lie under the liaison account "dong" (scope 东县), who has an address;
    # 李明's (the city) under no subtree account: that failure says why
    sent = [o for o in outcomes if o.status == "sent"]
    assert [o.recipient for o in sent] == ["dong@example.test"]
    assert mail_server.logins == [("robot", "right")]
    (message,) = mail_server.messages
    assert message["to"] == ["dong@example.test"] and message["from"] == "ztjy@example.test"
    parsed = email.message_from_bytes(message["data"], policy=default)
    assert "尚未报送" in str(parsed["Subject"])
    assert "东县乙镇" in parsed.get_content()
    failed = [o for o in outcomes if o.status == "failed"]
    assert len(failed) == 1 and "没有登记电子邮箱" in (failed[0].error or "")


def test_email_refusals_are_logged(engine: Engine, mail_server: Mailbox) -> None:
    _smtp(engine, mail_server, password="wrong")
    outcomes = _send(engine, ["email"])
    assert any("拒绝登录" in (o.error or "") for o in outcomes)
    assert mail_server.messages == []
    assert "拒绝登录" in " ".join(remind_repo.load_log(engine)["error"])


def test_in_app_notice_reaches_the_subtree_account(engine: Engine) -> None:
    outcomes = _send(engine, ["notice"])
    assert [(o.recipient, o.status) for o in outcomes] == [
        ("李明　0871-6000001", "failed"),  # the city's own unit: no subtree account
        ("dong", "sent"),
    ]
    unread = remind_repo.unread_notices(engine, "dong", "C01")
    assert len(unread) == 1 and "东县乙镇" in unread["message"].iloc[0]
    assert remind_repo.unread_notices(engine, "office1").empty


def test_the_log_filters_by_channel_status_scope_and_day(engine: Engine, robot: Recorder) -> None:
    configure(engine, remind_wecom_url=f"{robot.url}/ok")
    _send(engine, ["wecom", "notice"])
    log = service.reminder_log(engine)
    assert len(log) == 4 and list(log.columns)[:4] == ["时间", "催报人", "渠道", "接收人"]
    assert set(service.reminder_log(engine, channels=["notice"])["渠道"]) == {"站内通知"}
    assert len(service.reminder_log(engine, statuses=["failed"])) == 1
    assert set(service.reminder_log(engine, YI_ZHEN)["接收人"]) == {
        "张三　139-0000-0001",
        "dong",
    }
    tomorrow = dt.date.today() + dt.timedelta(days=3)
    assert service.reminder_log(engine, since=tomorrow).empty


def test_a_subtree_log_names_no_unit_outside_it(engine: Engine, robot: Recorder) -> None:
    configure(engine, remind_wecom_url=f"{robot.url}/ok")
    _send(engine, ["wecom", "notice"])
    assert service.OUTSIDE_MESSAGE not in set(service.reminder_log(engine)["消息内容"])
    subtree = {"C0102", "C010201"}  # 东县乙镇: its liaison must not read 东县's other units
    scoped = service.reminder_log(engine, YI_ZHEN)
    assert not scoped.empty
    # each reminder about 乙镇 went to 东县's group, which also names 东县 itself
    assert set(scoped["消息内容"]) == {service.OUTSIDE_MESSAGE}
    assert all(set(codes.split("、")) <= subtree for codes in scoped["单位编码"])


def test_mobile_numbers_only_are_mentioned() -> None:
    assert channels.mobiles(["139-0000-0001", "0871-6000001", "+86 137 0000 0001", ""]) == [
        "13900000001",
        "13700000001",
    ]


def test_a_sent_reminder_has_an_empty_reason_in_the_log(engine: Engine, robot: Recorder) -> None:
    configure(engine, remind_wecom_url=f"{robot.url}/ok")
    _send(engine, ["wecom"])
    assert list(service.reminder_log(engine)["失败原因"]) == ["", ""]


class FakeClock:
    """A clock that only moves when slept on: pacing tested without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_the_pacer_keeps_each_robot_within_its_minute() -> None:
    clock = FakeClock()
    pacer = channels.Pacer(20, clock=clock, sleep=clock.sleep)
    posted = []
    for _ in range(45):
        pacer.wait("wecom")
        posted.append(clock.now)
        clock.now += 0.5  # each post takes half a second
    assert all(sum(t <= p < t + 60 for p in posted) <= 20 for t in posted)  # any 60 s window
    assert clock.sleeps == [50.0, 50.0]  # the 21st and the 41st wait for the window to pass
    assert posted[-1] - posted[0] < 2 * 60 + 20  # no slower than the limit asks
    pacer.wait("dingtalk")  # another robot has its own minute
    assert len(clock.sleeps) == 2


def test_robot_posts_are_paced_by_the_setting(engine: Engine, robot: Recorder) -> None:
    configure(engine, remind_wecom_url=f"{robot.url}/ok", remind_robot_per_minute=1)
    seed(engine)
    plan = service.plan(engine, DAY, None)
    clock = FakeClock()
    config = channels.config_from(repo.get_settings(engine))
    assert config.robot_per_minute == 1
    pacer = channels.Pacer(config.robot_per_minute, clock=clock, sleep=clock.sleep)
    outcomes = service.send(engine, plan, ["wecom", "notice"], "office1", pacer=pacer)
    assert [o.status for o in outcomes if o.channel == "wecom"] == ["sent", "sent"]
    assert len(robot.requests) == 2 and clock.sleeps == [60.0]  # notices are not paced
    assert "1–60" in " ".join(settings_problems({**defaults(), "remind_robot_per_minute": 0}))
