"""PDF notes read once per test run, whichever test process reads them first.

pdfplumber takes 7 to 25 s (as the machine allows) to read a 93-page note, and
a dozen tests in several processes import the same few PDFs through the
product's own paths (the command line, the upload pages, the importer). The
first reading of each file in a run is real; its result (the ``Note``, with
the page count) is kept on disk beside the run's temporary files, and later
readings of the same bytes load it, unless their page limit refuses the file:
then they read for real, and refuse. A refusal is never kept.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import io
import pickle
from collections.abc import Callable
from pathlib import Path

import pdfplumber

from calendar_svc.ingest.note import Note

Reader = Callable[..., Note]


def reading_once(read_pdf: Reader, folder: Path) -> Reader:
    """``read_pdf``, with successful readings kept in ``folder`` by content and page limit."""
    folder.mkdir(parents=True, exist_ok=True)

    def read(
        data: bytes,
        *,
        where: str,
        max_pages: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Note:
        key = hashlib.sha256(data).hexdigest()
        kept = folder / f"{key}.pickle"
        # A process that wants a file another is reading waits for that reading.
        with (folder / f"{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if kept.exists():
                pages, kept_note = pickle.loads(kept.read_bytes())
                if max_pages is None or pages <= max_pages:
                    note: Note = copy.deepcopy(kept_note)
                    return note
            note = read_pdf(data, where=where, max_pages=max_pages, progress=progress)
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                pages = len(pdf.pages)
            kept.write_bytes(pickle.dumps((pages, note), protocol=pickle.HIGHEST_PROTOCOL))
            return note

    return read
