"""Notes as if read from a scan by OCR, without any OCR: a note read from its text
form, with a confidence (0-100) given by hand to each row's date cell.

The import takes the confidence from ``Row.confidence`` whatever the reader, so
these notes test what happens to it after reading (drafts, storage, the import's
report, the pages) apart from the OCR reader itself.
"""

from __future__ import annotations

from pathlib import Path

from calendar_svc.ingest.note import Note
from calendar_svc.ingest.source import SourceFile

#: The confidence of every row not named otherwise: a clean scan.
CLEAR = 96.0
#: The sample note (5484/24): (section, row number in its table) -> confidence.
SAMPLE_LOW = {
    # Table 1 row 4, line 124: "30 January 2020"; just under the default 80.
    ("cabo-verde", 4): 79.6,
    # Table 1 row 5, line 125: "24 July 2020"; at the default 80, so not under it.
    ("cabo-verde", 5): 80.0,
    # Table 22 row 18, line 768: "Q1 2024 (tbc)", the 10th EU-Serbia JRC.
    ("serbia", 18): 41.5,
    # Table 38 row 2, line 1261: "22 November 2019", the EU-Russia JRC (not in note_v2).
    ("russia", 2): 62.0,
}


def scanned(note: Note, low: dict[tuple[str, int], float], rest: float | None = CLEAR) -> Note:
    """Give the rows named in ``low`` their confidence and every other row ``rest``.

    Changes ``note`` (a copy of its own, as the ``read_note`` fixture hands
    out) and returns it.
    """
    named = set(low)
    for block in note.sections:
        for row in block.rows:
            key = (block.identity.slug, row.number)
            row.confidence = low.get(key, rest)
            named.discard(key)
    assert not named, f"no such rows in the note: {sorted(named)}"
    return note


def scan_of(source: SourceFile, name: str = "scanned_note.txt") -> SourceFile:
    """Other bytes of the same note, as a scan of it would be (another hash, another name)."""
    return SourceFile(Path(name), source.data + b"\n", source.format, source.text)
