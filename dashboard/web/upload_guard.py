"""Only declared file types reach Streamlit's upload endpoint.

The browser's file picker filters by extension, but anyone can PUT any bytes to
``/_stcore/upload_file/{session}/{file}``, and Streamlit keeps them in memory for the session.
This middleware reads such a request (at most ``MAX_BODY`` bytes, as Streamlit would),
looks at the file's name and its first bytes (``ingest.limits.upload_refusal``: a declared
extension, and a zip/OLE container or plain text that is no web page), and answers 415 with
a Chinese message when they do not fit; otherwise it hands the same body on unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from dashboard.ingest import formats, limits

__all__ = [
    "MAX_BODY",
    "SNIFF_BYTES",
    "UPLOAD_PATH",
    "ASGIApp",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "UploadGuard",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UPLOAD_PATH = "/_stcore/upload_file/"
MAX_BODY = formats.MAX_FILE_BYTES + 64 * 1024  # the file and its multipart framing
SNIFF_BYTES = 64 * 1024


class UploadGuard:
    """ASGI middleware: refuse uploads whose name or bytes are not a declared return type."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_upload(scope):
            await self.app(scope, receive, send)
            return
        body, complete = await _read_body(receive)
        if complete:
            refusal = await _refusal(scope, body)
            if refusal is not None:
                await _answer(send, 415, refusal)
                return
        await self.app(scope, _replay(body, receive, complete), send)


def _is_upload(scope: Scope) -> bool:
    return (
        scope.get("type") == "http"
        and scope.get("method") == "PUT"
        and UPLOAD_PATH in str(scope.get("path", ""))
    )


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body, and whether it is whole (False past ``MAX_BODY``: Streamlit then
    answers 413 itself from the rest of the stream)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > MAX_BODY:
            return b"".join(chunks), False


def _replay(body: bytes, receive: Receive, complete: bool) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": not complete}
        return await receive()

    return replay


async def _refusal(scope: Scope, body: bytes) -> str | None:
    async def once() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(dict(scope), once).form()
    except Exception:  # noqa: BLE001 - a body that is no multipart form: Streamlit answers it
        return None
    try:
        files = [v for v in form.values() if isinstance(v, UploadFile)]
        if len(files) != 1:
            return None  # Streamlit answers 400 for this itself
        upload = files[0]
        head = await upload.read(SNIFF_BYTES)
        return limits.upload_refusal(upload.filename or "", head)
    finally:
        await form.close()


async def _answer(send: Send, status: int, message: str) -> None:
    payload = json.dumps({"error": message}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
