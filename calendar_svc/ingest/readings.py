"""Scans read in the background while the person who uploaded one watches the progress.

Reading a long scan by OCR takes minutes, longer than a web request may last
(gunicorn gives one 120 s). An uploaded scan is therefore read by a thread of
the process that received it, which writes its progress and, at the end, the
note it read (or why it could not) into a folder under the file's SHA-256:
the folder of the pending uploads, so that whichever worker process answers
the progress page or the preview finds them. The note is kept pickled and
signed with the app's secret key (HMAC-SHA256): a file put there by anything
else is refused, never unpickled.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from calendar_svc.ingest.errors import IngestError, UnreadableDocument
from calendar_svc.ingest.note import Note
from calendar_svc.ingest.source import SourceFile, load_note

#: Readings running in this process, by the SHA-256 of their file.
_RUNNING: dict[str, threading.Thread] = {}
_RUNNING_LOCK = threading.Lock()


@dataclass(frozen=True)
class Progress:
    """How far a reading is: pages done, of ``total`` (None until the first page is read)."""

    done: int
    total: int | None


@dataclass(frozen=True)
class Failed:
    """A reading that refused the file, and why, in one line."""

    reason: str


class BackgroundReadings:
    """The readings of uploaded scans, kept in ``folder`` under their files' SHA-256."""

    def __init__(self, folder: Path, key: bytes) -> None:
        self.folder = folder
        self.key = key

    def start(self, source: SourceFile, *, max_pages: int | None) -> str:
        """Read ``source`` in a thread of this process, unless it is read or being read.

        Returns:
            The file's SHA-256, the key to :meth:`state`.
        """
        digest = source.sha256
        with _RUNNING_LOCK:
            if digest in _RUNNING or self.state(digest) is not None:
                return digest
            self.folder.mkdir(parents=True, exist_ok=True)
            self.record(digest, 0, None)
            thread = threading.Thread(
                target=self._read,
                args=(source, max_pages),
                name=f"scan-{digest[:12]}",
                daemon=True,
            )
            _RUNNING[digest] = thread
        thread.start()
        return digest

    def state(self, digest: str) -> Note | Progress | Failed | None:
        """The note read, how far its reading is, why it failed, or None if never started."""
        path = self._path(digest)
        if (signed := _read_bytes(path.with_suffix(".note"))) is not None:
            return self._unsigned(signed)
        if (failed := _read_bytes(path.with_suffix(".failed"))) is not None:
            return Failed(failed.decode("utf-8"))
        if (progress := _read_bytes(path.with_suffix(".progress"))) is not None:
            done, total = json.loads(progress)
            return Progress(done, total)
        return None

    def record(self, digest: str, done: int, total: int | None) -> None:
        """Write how far the reading of ``digest`` is."""
        self._write(self._path(digest).with_suffix(".progress"), json.dumps([done, total]).encode())

    def _read(self, source: SourceFile, max_pages: int | None) -> None:
        digest = source.sha256
        path = self._path(digest)
        try:
            note = load_note(
                source,
                max_pages=max_pages,
                progress=lambda done, total: self.record(digest, done, total),
            )
        except IngestError as exc:
            self._write(path.with_suffix(".failed"), str(exc).encode("utf-8"))
        else:
            data = pickle.dumps(note, protocol=pickle.HIGHEST_PROTOCOL)
            self._write(path.with_suffix(".note"), self._signature(data) + data)
        finally:
            with _RUNNING_LOCK:
                _RUNNING.pop(digest, None)

    def _unsigned(self, signed: bytes) -> Note:
        size = hashlib.sha256().digest_size
        signature, data = signed[:size], signed[size:]
        if not hmac.compare_digest(signature, self._signature(data)):
            raise UnreadableDocument("the reading of the scan is damaged; upload the file again")
        note = pickle.loads(data)  # signed above with the app's secret key
        if not isinstance(note, Note):
            raise UnreadableDocument("the reading of the scan is damaged; upload the file again")
        return note

    def _signature(self, data: bytes) -> bytes:
        return hmac.new(self.key, data, hashlib.sha256).digest()

    def _path(self, digest: str) -> Path:
        if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
            raise UnreadableDocument("no such upload")
        return self.folder / digest

    def _write(self, path: Path, data: bytes) -> None:
        # Written aside then renamed: a reader never sees half a file.
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".reading-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temporary, path)


def wait_for(digest: str, timeout: float | None = None) -> None:
    """Wait for this process's reading of the file ``digest`` to end (if it runs here)."""
    with _RUNNING_LOCK:
        thread = _RUNNING.get(digest)
    if thread is not None:
        thread.join(timeout)


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
