"""Against the served app: the upload endpoint refuses a file that is no return."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.web.test_upload_guard import PAGE, _multipart

pytestmark = pytest.mark.e2e


def test_the_served_app_refuses_a_raw_html_upload(app_url: str) -> None:
    body, kind = _multipart("x.html", PAGE)
    request = urllib.request.Request(
        f"{app_url}/_stcore/upload_file/any-session/any-file",
        data=body,
        method="PUT",
        headers={"Content-Type": kind},
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 415
    assert "不是周报文件类型" in json.loads(raised.value.read())["error"]
