"""The data files the tests read (``tests/data``) and the limit they are read with."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent.parent / "data"
SAMPLE = DATA / "note_5484_24.txt"
V2 = DATA / "note_v2.txt"
#: The originals of files vendored into ``tests/data``, when the checkout sits beside them.
SHARED = Path(__file__).resolve().parents[3] / "shared"
MAX_BYTES = 20_000_000
