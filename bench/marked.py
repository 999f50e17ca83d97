"""Sections of RESULTS.md that one benchmark renews alone, between ``<!-- name -->`` markers.

``python -m bench.run`` rewrites the whole file and keeps these sections as
they stand; the benchmark that owns one (``bench.ocr``, ``bench.series``)
replaces only its own.
"""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name} -->", f"<!-- /{name} -->"


def kept(name: str) -> list[str]:
    """The section ``name`` of RESULTS.md as it stands (none: no lines)."""
    start, end = markers(name)
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if start not in text:
        return []
    return text[text.index(start) : text.index(end) + len(end)].splitlines()


def replace(name: str, lines: list[str]) -> None:
    """Write ``lines`` as the section ``name`` of RESULTS.md (appended when new)."""
    start, end = markers(name)
    block = "\n".join([start, *lines, end])
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if start in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")
