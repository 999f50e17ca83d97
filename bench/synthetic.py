"""Synthetic versions of the note: the sample's body replicated across renamed sections.

Copy 0 is the sample itself; copies 1..n-1 repeat the body (parts, chapters,
sections, tables) with every section heading renamed "<HEADING> (COPY k)", so
each copy's sections are new sections with the same rows.
"""

from __future__ import annotations

import re
from pathlib import Path

from calendar_svc.ingest.text import read_text

BODY_START = "Part 1- Bilateral dialogues\n\nA. AFRICAN COUNTRIES"


def replicate(sample: Path, copies: int) -> str:
    text = sample.read_text(encoding="utf-8")
    start = text.index(BODY_START)
    head, body = text[:start], text[start:]
    headings = {block.heading for block in read_text(text.split("\n")).sections}
    pattern = re.compile(
        r"^(" + "|".join(re.escape(h) for h in sorted(headings, key=len, reverse=True)) + r")$",
        re.M,
    )
    parts = [body]
    for k in range(1, copies):
        parts.append(pattern.sub(lambda m, k=k: f"{m.group(1)} (COPY {k})", body))
    return head + "\n\n".join(parts)
