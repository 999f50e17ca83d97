"""Reading scanned copies of the sample note by OCR: pages per second, accuracy, install size.

The four scans of issue 15 are made from the sample's PDF by the tests' own
scanner (``tests/helpers/scans.py``: tilted, noisy, black and white): at 200
and at 300 dpi, with images only and with Tesseract's OCR text layer. Each is
read through ``load_note`` as ``calendar-svc ingest`` reads it (once: a
reading takes minutes), on every core, and compared row by row with the
reading of the born-digital PDF (``tests/helpers/accuracy.py``). The install
size is what the OCR adds: Debian's Tesseract packages (dpkg's figures) and
the Python packages the scan reader imports beyond pdfplumber's.

Run it alone with ``python -m bench.ocr``: it writes its section of
RESULTS.md (``bench.marked``); ``bench/run.py`` keeps that section.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pypdfium2

from bench import marked
from bench.machine import machine
from calendar_svc.ingest.source import forget_readings, load_note, read_source
from tests.helpers.accuracy import Accuracy, accuracy
from tests.helpers.scans import scanned_copy

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SAMPLE = DATA / "note_5484_24.pdf"
#: Debian's packages of the OCR, and the Python packages only the scan reader needs.
DEBIAN = ("tesseract-ocr", "tesseract-ocr-eng", "libtesseract5", "liblept5")
PYTHON = ("numpy",)
FIXTURES = ((200, False), (200, True), (300, False), (300, True))


@dataclass(frozen=True)
class Reading:
    """One scan of the sample, read once."""

    name: str
    seconds: float
    pages: int
    size: int
    accuracy: Accuracy


def run() -> list[Reading]:
    reference = load_note(read_source(SAMPLE, max_bytes=100_000_000))
    pages = len(pypdfium2.PdfDocument(SAMPLE))
    readings = []
    with tempfile.TemporaryDirectory() as tmp:
        for dpi, layer in FIXTURES:
            path = scanned_copy(SAMPLE, Path(tmp), dpi=dpi, text_layer=layer)
            forget_readings()
            source = read_source(path, max_bytes=100_000_000)
            started = time.perf_counter()
            note = load_note(source)
            seconds = time.perf_counter() - started
            name = f"{dpi} dpi, {'OCR text layer' if layer else 'images only'}"
            readings.append(
                Reading(name, seconds, pages, len(source.data), accuracy(reference, note))
            )
            print(name, f"{seconds:.1f} s", readings[-1].accuracy, flush=True)
    return readings


def install_size() -> tuple[int, int]:
    """KiB installed by the Debian packages and by the Python packages of the OCR."""
    debian = subprocess.run(
        ["dpkg-query", "-W", "-f=${Installed-Size}\\n", *DEBIAN],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    python = 0
    for name in PYTHON:
        for file in metadata.files(name) or []:
            located = Path(str(file.locate()))
            if located.is_file():
                python += located.stat().st_size
    return sum(map(int, debian)), python // 1024


def lines(readings: list[Reading]) -> list[str]:
    debian, python = install_size()
    result = [
        "| scanned sample read by OCR | time | pages/s | size |"
        " rows found | dates and statuses | titles and outcomes | invented |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for reading in readings:
        found = reading.accuracy
        result.append(
            f"| {reading.name}, {reading.pages} pages | {reading.seconds:.0f} s"
            f" | {reading.pages / reading.seconds:.2f} | {reading.size / 1e6:.1f} MB"
            f" | {found.found}/{found.rows} ({found.share(found.found):.1%})"
            f" | {found.share(found.dates):.1%} | {found.share(found.texts):.1%}"
            f" | {found.invented} |"
        )
    result += [
        "",
        f"Scans: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}; one run each,"
        f" {os.cpu_count()} pages read in parallel (one Tesseract each). Accuracy against the"
        " born-digital PDF's reading; the bars of issue 15 are 98% of rows found, 95% of dates"
        " and statuses and 80% of titles and outcomes exactly right, no row invented.",
        f"Install size of the OCR: Debian's {', '.join(DEBIAN)} {debian / 1024:.1f} MiB;"
        f" Python's {', '.join(PYTHON)} {python / 1024:.1f} MiB (pypdfium2 and Pillow come"
        " with pdfplumber already).",
    ]
    return result


def main() -> None:
    block = lines(run())
    marked.replace("ocr", block)
    print("\n".join(block))


if __name__ == "__main__":
    main()
