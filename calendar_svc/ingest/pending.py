"""Uploaded notes waiting between their preview and the editor's "import".

A file is kept under its SHA-256 in a folder (the instance folder's
``uploads``), so the import that follows a preview reads exactly the bytes
that were previewed. Files left by previews nobody confirmed are removed
after :data:`KEEP`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import tempfile
from pathlib import Path

from calendar_svc.ingest.errors import UnreadableDocument

KEEP = dt.timedelta(days=1)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PendingUploads:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, data: bytes, *, now: dt.datetime) -> str:
        """Keep ``data`` and return its SHA-256 (hex), the key to :meth:`load` it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._forget_older_than(now - KEEP)
        digest = hashlib.sha256(data).hexdigest()
        # Written aside then renamed: a reader never sees half a file.
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".upload-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temporary, self.folder / digest)
        return digest

    def load(self, digest: str) -> bytes:
        """The bytes saved under ``digest``.

        Raises:
            UnreadableDocument: no such upload (never previewed, or too old).
        """
        path = self._path(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise UnreadableDocument(
                "the previewed upload is gone (older than a day?); upload the file again"
            ) from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise UnreadableDocument("the previewed upload is damaged; upload the file again")
        return data

    def discard(self, digest: str) -> None:
        self._path(digest).unlink(missing_ok=True)

    def _path(self, digest: str) -> Path:
        if not _SHA256.match(digest):
            raise UnreadableDocument("no such upload")
        return self.folder / digest

    def _forget_older_than(self, moment: dt.datetime) -> None:
        for path in self.folder.iterdir():
            with contextlib.suppress(FileNotFoundError):  # another process was quicker
                if dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC) < moment:
                    path.unlink()
