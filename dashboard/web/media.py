"""Generated downloads outlive Streamlit's orphan sweeps long enough to be fetched.

A chart's PNG/SVG download is deferred: the browser asks for it over the websocket, the
server renders it and stores it as a DOWNLOADABLE media file that no session references,
and answers with its URL; the browser then GETs that URL. Every finished rerun of ANY
session sweeps unreferenced files (the first sweep marks a download, the second deletes
it), so with many people on one process the file was often gone before its GET arrived:
HTTP 404 (7 of 43 downloads in the load driver's run). This storage keeps a deleted
download for ``GRACE`` seconds more (a new request for the same bytes keeps it alive
again); other media go at once, as before.
"""

from __future__ import annotations

import threading
import time

from streamlit.runtime import memory_media_file_storage as storage_module
from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError

__all__ = ["GRACE", "LingeringDownloads", "install"]

GRACE = 120.0  # seconds a swept download can still be fetched


class LingeringDownloads(storage_module.MemoryMediaFileStorage):
    """Streamlit's in-memory media storage whose downloads linger ``grace`` s after their
    deletion (bounded: each is dropped on the first storage call after its time is up)."""

    def __init__(self, media_endpoint: str, grace: float = GRACE) -> None:
        super().__init__(media_endpoint)
        self.grace = grace
        self._lingering: dict[str, float] = {}  # file id → when it was asked to go
        self._lock = threading.Lock()

    def load_and_get_id(
        self,
        path_or_data: str | bytes,
        mimetype: str,
        kind: MediaFileKind,
        filename: str | None = None,
    ) -> str:
        file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
        with self._lock:
            self._lingering.pop(file_id, None)  # in use again
        self._drop_expired()
        return file_id

    def delete_file(self, file_id: str) -> None:
        try:
            kind = self.get_file(file_id).kind
        except MediaFileStorageError:
            kind = None
        if kind == MediaFileKind.DOWNLOADABLE:
            with self._lock:
                self._lingering.setdefault(file_id, time.monotonic())
        else:
            super().delete_file(file_id)
        self._drop_expired()

    def _drop_expired(self) -> None:
        cutoff = time.monotonic() - self.grace
        with self._lock:
            expired = [f for f, since in self._lingering.items() if since <= cutoff]
            for file_id in expired:
                del self._lingering[file_id]
        for file_id in expired:
            super().delete_file(file_id)


_ORIGINAL = storage_module.MemoryMediaFileStorage


def install() -> None:
    """Make the app's runtime (created when ``st.App`` first serves) use this storage. The
    manager's own checks (``isinstance`` of the in-memory storage) still hold: it is one."""
    if storage_module.MemoryMediaFileStorage is _ORIGINAL:
        setattr(storage_module, "MemoryMediaFileStorage", LingeringDownloads)  # noqa: B010
