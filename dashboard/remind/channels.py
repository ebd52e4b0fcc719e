"""Delivery channels for 催报: 企业微信 and 钉钉 group robots, e-mail over SMTP.

Each function sends one message and returns the error in Chinese (None when delivered); it
never raises for a delivery problem, so a failure is logged and shown, never lost. Every
network wait is bounded by ``timeout`` seconds. The in-app notice is a database row and
lives in ``service``.

Robot replies are JSON ``{"errcode": 0, "errmsg": "ok"}``; any other errcode is a failure
(wrong key, bad signature, rate limit: 20 messages a minute per robot).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

__all__ = [
    "SECRET_ENV",
    "SECRET_TOML",
    "WECOM_MAX_BYTES",
    "Config",
    "Pacer",
    "SmtpConfig",
    "config_from",
    "dingtalk_payload",
    "dingtalk_sign",
    "dingtalk_url",
    "mobiles",
    "post_dingtalk",
    "post_robot",
    "post_wecom",
    "secret",
    "send_email",
    "wecom_payload",
]

SECRET_ENV = {
    "remind_dingtalk_secret": "DASHBOARD_DINGTALK_SECRET",
    "remind_smtp_password": "DASHBOARD_SMTP_PASSWORD",
}
SECRET_TOML = {"remind_dingtalk_secret": "dingtalk_secret", "remind_smtp_password": "smtp_password"}
_MOBILE = re.compile(r"1\d{10}")
WECOM_MAX_BYTES = 2048  # 企业微信 robot text content, UTF-8
PACE_WINDOW = 60.0  # seconds: the robots count messages per minute


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # ssl | starttls | none
    user: str
    password: str
    sender: str


@dataclass(frozen=True)
class Config:
    """The channels the office switched on, with their addresses and secrets."""

    enabled: tuple[str, ...]
    wecom_url: str
    dingtalk_url: str
    dingtalk_secret: str
    smtp: SmtpConfig
    timeout: float
    robot_per_minute: int = 20

    def problem(self, channel: str) -> str | None:
        """Why ``channel`` cannot send (Chinese), or None."""
        if channel == "wecom" and not self.wecom_url:
            return "未设置企业微信机器人地址（设置 → 催报）"
        if channel == "dingtalk" and not self.dingtalk_url:
            return "未设置钉钉机器人地址（设置 → 催报）"
        if channel == "email" and not (self.smtp.host and self.smtp.sender):
            return "未设置邮件服务器或发件人地址（设置 → 催报）"
        return None


def config_from(settings: dict[str, Any]) -> Config:
    """The channel configuration: settings, with secrets from the environment or
    ``.streamlit/secrets.toml`` ([remind]) taking precedence over the stored setting."""
    return Config(
        enabled=tuple(settings.get("remind_channels") or ()),
        wecom_url=str(settings.get("remind_wecom_url") or "").strip(),
        dingtalk_url=str(settings.get("remind_dingtalk_url") or "").strip(),
        dingtalk_secret=secret(settings, "remind_dingtalk_secret"),
        smtp=SmtpConfig(
            host=str(settings.get("remind_smtp_host") or "").strip(),
            port=int(settings.get("remind_smtp_port") or 465),
            security=str(settings.get("remind_smtp_security") or "ssl"),
            user=str(settings.get("remind_smtp_user") or "").strip(),
            password=secret(settings, "remind_smtp_password"),
            sender=str(settings.get("remind_smtp_sender") or "").strip(),
        ),
        timeout=max(1.0, min(float(settings.get("remind_timeout") or 10), 120.0)),
        robot_per_minute=max(1, min(int(settings.get("remind_robot_per_minute") or 20), 60)),
    )


@dataclass
class Pacer:
    """At most ``per_minute`` posts to one robot in any 60 seconds (the robots' own limit:
    a 21st message within a minute is refused). ``wait`` sleeps until the next post fits.
    The clock and the sleeper are injected so a test can pace without sleeping."""

    per_minute: int
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _sent: dict[str, deque[float]] = field(default_factory=dict)

    def wait(self, robot: str) -> float:
        """Block until one more post to ``robot`` keeps within the limit, then count it;
        the seconds waited."""
        sent = self._sent.setdefault(robot, deque())
        waited = 0.0
        while True:
            now = self.clock()
            while sent and now - sent[0] >= PACE_WINDOW:
                sent.popleft()
            if len(sent) < max(self.per_minute, 1):
                sent.append(now)
                return waited
            pause = PACE_WINDOW - (now - sent[0])
            self.sleep(pause)
            waited += pause


def secret(settings: dict[str, Any], key: str) -> str:
    from_env = os.environ.get(SECRET_ENV[key])
    if from_env:
        return from_env
    from_file = _secrets_toml().get(SECRET_TOML[key])
    if from_file:
        return str(from_file)
    return str(settings.get(key) or "")


def _secrets_toml() -> dict[str, Any]:
    from dashboard.store.db import SECRETS_FILE

    if not SECRETS_FILE.is_file():
        return {}
    import tomllib

    try:
        section = tomllib.loads(SECRETS_FILE.read_text(encoding="utf-8")).get("remind", {})
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return section if isinstance(section, dict) else {}


def mobiles(phones: list[str]) -> list[str]:
    """The mobile numbers among ``phones`` (robots can @ a mobile, not a landline)."""
    found: list[str] = []
    for phone in phones:
        digits = re.sub(r"[\s\-－—()（）+]", "", phone or "")
        digits = digits.removeprefix("86") if len(digits) == 13 else digits
        if _MOBILE.fullmatch(digits) and digits not in found:
            found.append(digits)
    return found


# --- group robots ------------------------------------------------------------------------


def wecom_payload(content: str, mentioned: list[str]) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": content, "mentioned_mobile_list": mentioned}}


def dingtalk_payload(content: str, mentioned: list[str]) -> dict[str, Any]:
    return {
        "msgtype": "text",
        "text": {"content": content},
        "at": {"atMobiles": mentioned, "isAtAll": False},
    }


def dingtalk_sign(secret_text: str, timestamp_ms: int) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")),
    URL-encoded for the query string."""
    digest = hmac.new(
        secret_text.encode("utf-8"),
        f"{timestamp_ms}\n{secret_text}".encode(),
        hashlib.sha256,
    ).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def dingtalk_url(url: str, secret_text: str, timestamp_ms: int | None = None) -> str:
    """The robot's address with ``&timestamp=…&sign=…`` when a signing secret is set."""
    if not secret_text:
        return url
    stamp = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={stamp}&sign={dingtalk_sign(secret_text, stamp)}"


def post_wecom(config: Config, content: str, phones: list[str]) -> str | None:
    return post_robot(config.wecom_url, wecom_payload(content, mobiles(phones)), config.timeout)


def post_dingtalk(config: Config, content: str, phones: list[str]) -> str | None:
    url = dingtalk_url(config.dingtalk_url, config.dingtalk_secret)
    return post_robot(url, dingtalk_payload(content, mobiles(phones)), config.timeout)


def post_robot(url: str, payload: dict[str, Any], timeout: float) -> str | None:
    """POST ``payload`` as JSON; None when the robot answered errcode 0, else the error."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        return f"机器人地址返回 HTTP {exc.code} 错误（{exc.reason}）"
    except TimeoutError:
        return f"连接超时：{timeout:g} 秒内未收到机器人地址的答复"
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            return f"连接超时：{timeout:g} 秒内未收到机器人地址的答复"
        return f"无法连接机器人地址：{exc.reason}"
    except (OSError, ValueError) as exc:
        return f"无法发送到机器人地址：{exc}"
    try:
        reply = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "机器人地址的答复不是 JSON：请核对地址是否为群机器人的 Webhook 地址"
    code = reply.get("errcode") if isinstance(reply, dict) else None
    if code != 0:
        message = reply.get("errmsg", "") if isinstance(reply, dict) else ""
        return f"机器人返回错误 errcode={code}：{message}"
    return None


# --- e-mail ------------------------------------------------------------------------------


def send_email(config: Config, to: list[str], subject_text: str, body: str) -> str | None:
    """Send one message to ``to``; None when the server accepted it, else the error."""
    smtp = config.smtp
    message = EmailMessage()
    message["Subject"] = subject_text
    message["From"] = smtp.sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid()
    message.set_content(body)
    try:
        client: smtplib.SMTP
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=config.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=config.timeout)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password)
            refused = client.send_message(message)
    except smtplib.SMTPAuthenticationError:
        return "邮件服务器拒绝登录：请核对用户名和密码"
    except smtplib.SMTPRecipientsRefused as exc:
        return f"邮件服务器拒收收件人：{', '.join(exc.recipients)}"
    except smtplib.SMTPResponseException as exc:
        return f"邮件服务器返回错误 {exc.smtp_code}：{_decoded(exc.smtp_error)}"
    except TimeoutError:
        return f"连接邮件服务器超时（{config.timeout:g} 秒）"
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        return f"无法通过邮件服务器发送：{exc}"
    if refused:
        return f"邮件服务器拒收部分收件人：{', '.join(refused)}"
    return None


def _decoded(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
