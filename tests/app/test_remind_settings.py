"""催报 settings on 设置: secrets never go back to the browser or the terminal; channel
addresses and automatic times are checked before saving."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.cli import main
from dashboard.store import db, repo
from tests.app.test_settings_page import open_page, save

SECRET = "SECdo-not-show-me"


def test_a_stored_secret_is_never_sent_back_and_stays_when_left_empty(demo_app_db: str) -> None:
    engine = db.make_engine(demo_app_db)
    repo.set_settings(engine, {"remind_dingtalk_secret": SECRET})
    at = open_page()
    box = at.text_input(key="settings_remind_dingtalk_secret")
    assert box.value == "" and box.placeholder == "已保存，留空则不变"
    assert SECRET not in str(at.get("text_input")) + str(at.get("markdown"))
    save(at)
    assert repo.get_settings(engine)["remind_dingtalk_secret"] == SECRET
    at.text_input(key="settings_remind_dingtalk_secret").set_value("SECnew")
    save(at)
    assert repo.get_settings(engine)["remind_dingtalk_secret"] == "SECnew"
    at.checkbox(key="settings_remind_dingtalk_secret_clear").check()
    save(at)
    assert repo.get_settings(engine)["remind_dingtalk_secret"] == ""


def test_channel_settings_are_checked(demo_app_db: str) -> None:
    at: AppTest = open_page()
    at.text_input(key="settings_remind_wecom_url").set_value("qyapi.weixin.qq.com/robot")
    at.selectbox(key="settings_remind_smtp_security").set_value("starttls")
    save(at)
    errors = " ".join(e.value for e in at.error)
    assert "企业微信机器人地址" in errors and "http://" in errors
    at.text_input(key="settings_remind_wecom_url").set_value(
        "https://robot.example.gov.cn/send?key=1"
    )
    save(at)
    values = repo.get_settings(db.make_engine(demo_app_db))
    assert values["remind_wecom_url"] == "https://robot.example.gov.cn/send?key=1"
    assert values["remind_smtp_security"] == "starttls"


def test_the_cli_never_prints_a_secret(
    demo_app_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["settings", "set", "remind_smtp_password", SECRET, "--db", demo_app_db]) == 0
    assert main(["settings", "show", "--db", demo_app_db]) == 0
    out = capsys.readouterr().out
    assert SECRET not in out and 'remind_smtp_password\t邮件登录密码\t"（已设置）"' in out
    assert repo.get_settings(db.make_engine(demo_app_db))["remind_smtp_password"] == SECRET
