"""Chart downloads under load: a generated download is still there when its GET arrives,
however many other sessions' reruns sweep orphaned media in between."""

from __future__ import annotations

import time

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from dashboard.web.media import LingeringDownloads


def _download_then_sweeps(storage: MemoryMediaFileStorage, sweeps: int) -> str:
    """A deferred download made (as a click does), then ``sweeps`` other reruns finish
    before the browser fetches it; the file name the URL names."""
    manager = MediaFileManager(storage)
    placeholder = manager.add_deferred(lambda: b"\x89PNG chart", "image/png", "coords", "图.png")
    url = manager.execute_deferred(placeholder)
    for _ in range(sweeps):
        manager.remove_orphaned_files()
    return url.rsplit("/", 1)[1]


def test_streamlit_own_storage_drops_the_download_after_two_sweeps() -> None:
    """The cause of the 404s: nothing references a generated download, so the second
    sweep after it deletes it."""
    storage = MemoryMediaFileStorage("/media")
    name = _download_then_sweeps(storage, 2)
    with pytest.raises(MediaFileStorageError):
        storage.get_file(name)


def test_a_swept_download_lingers_for_its_grace_then_goes() -> None:
    storage = LingeringDownloads("/media", grace=0.3)
    name = _download_then_sweeps(storage, 5)
    assert storage.get_file(name).content == b"\x89PNG chart"
    time.sleep(0.35)
    storage.delete_file("nothing-here")  # any later call drops what is due
    with pytest.raises(MediaFileStorageError):
        storage.get_file(name)


def test_a_download_asked_for_again_is_kept_again_and_other_media_go_at_once() -> None:
    storage = LingeringDownloads("/media", grace=0.3)
    name = _download_then_sweeps(storage, 2)
    time.sleep(0.2)
    again = _download_then_sweeps(storage, 2)  # the same chart downloaded again
    assert again == name
    time.sleep(0.2)
    storage.delete_file("nothing-here")
    assert storage.get_file(name).content == b"\x89PNG chart"  # 0.4 s after the first
    image = storage.load_and_get_id(b"img", "image/png", MediaFileKind.MEDIA)
    storage.delete_file(image)
    with pytest.raises(MediaFileStorageError):
        storage.get_file(image)


def test_the_served_app_uses_the_lingering_storage() -> None:
    import streamlit.runtime.memory_media_file_storage as module

    import dashboard.server  # noqa: F401 - installs it before st.App makes its runtime

    assert module.MemoryMediaFileStorage is LingeringDownloads
