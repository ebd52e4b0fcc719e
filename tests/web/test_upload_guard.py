"""The upload endpoint accepts only declared return types: by name and by bytes.

The middleware is driven as an ASGI app (a stand-in for Streamlit behind it), and once
against the real server started by ``streamlit run dashboard/server.py``.
"""

from __future__ import annotations

import json
import uuid

import pytest

from dashboard.web.upload_guard import UploadGuard
from tests.web.asgi import run

PAGE = b"<!doctype html><html><body><img src='http://evil.example/x.png'></body></html>"


def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _call(name: str, content: bytes, method: str = "PUT", chunk: int = 1000) -> tuple[int, bytes]:
    body, kind = _multipart(name, content)
    reached: list[bytes] = []

    async def streamlit(scope, receive, send) -> None:  # stand-in: read all, answer 204
        data = b""
        while True:
            message = await receive()
            data += message.get("body", b"")
            if not message.get("more_body"):
                break
        reached.append(data)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    parts = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]
    messages = [
        {"type": "http.request", "body": p, "more_body": i < len(parts) - 1}
        for i, p in enumerate(parts)
    ]
    sent: list[dict] = []

    async def receive():
        return messages.pop(0)

    async def send(message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": "/_stcore/upload_file/s1/f1",
        "headers": [(b"content-type", kind.encode())],
        "query_string": b"",
    }
    run(UploadGuard(streamlit)(scope, receive, send))
    if reached:
        assert reached[0] == body  # handed on byte for byte
    status = sent[0]["status"]
    return status, b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("页面.html", PAGE),
        ("伪装.xlsx", PAGE),
        ("程序.exe", b"MZ\x90\x00" * 100),
        ("二进制.xls", b"\x00\x01\x02\x03" * 100),
    ],
)
def test_undeclared_uploads_are_refused_in_chinese(name: str, content: bytes) -> None:
    status, body = _call(name, content)
    assert status == 415
    assert "未存档" in json.loads(body)["error"] or "不是周报" in json.loads(body)["error"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("周报.xlsx", b"PK\x03\x04" + b"x" * 5000),
        ("旧表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
        ("周报.csv", "单位名称,读书班期数\n东城县,3\n".encode()),
    ],
)
def test_declared_uploads_pass_through_unchanged(name: str, content: bytes) -> None:
    assert _call(name, content) == (204, b"")


def test_other_requests_are_not_touched() -> None:
    assert _call("页面.html", PAGE, method="POST")[0] == 204
