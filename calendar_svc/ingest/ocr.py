"""Text from images, by Tesseract (Debian's ``tesseract-ocr`` with English data).

Tesseract runs as a command, one process for a batch of images (it reads a
list of image files and numbers its results by image), with its TSV output:
every word with its box and its confidence. OpenMP is held to one thread:
the pages are read in parallel instead, which uses the cores better.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from calendar_svc.ingest.errors import UnreadableDocument

#: What to install when Tesseract or its English data is missing.
INSTALL = "apt-get install tesseract-ocr tesseract-ocr-eng"
#: Marks with no letter or digit below this confidence are specks read as text.
MIN_MARK_CONFIDENCE = 70
#: Page segmentation modes: a block of text of one column.
BLOCK = 6


@dataclass(frozen=True)
class OcrLine:
    """A line of text in an image: its words, its box in pixels, its least sure word."""

    text: str
    left: int
    top: int
    right: int
    bottom: int
    confidence: float


@functools.cache
def tesseract() -> str:
    """The tesseract command, once it is known to read English.

    Raises:
        UnreadableDocument: Tesseract or its English data is not installed.
    """
    command = shutil.which("tesseract")
    if command is None:
        raise UnreadableDocument(f"reading a scan needs Tesseract OCR: {INSTALL}")
    listed = subprocess.run(
        [command, "--list-langs"], capture_output=True, text=True, check=False
    ).stdout.split()
    if "eng" not in listed:
        raise UnreadableDocument(f"reading a scan needs Tesseract's English data: {INSTALL}")
    return command


def read_lines(images: list[Image.Image], *, dpi: int, layout: int = BLOCK) -> list[list[OcrLine]]:
    """The lines of text in each image, top to bottom.

    Raises:
        UnreadableDocument: Tesseract is missing or fails.
    """
    if not images:
        return []
    command = tesseract()
    with tempfile.TemporaryDirectory(prefix="calendar-svc-ocr-") as tmp:
        folder = Path(tmp)
        names = []
        for number, image in enumerate(images):
            name = folder / f"{number:04}.png"
            image.save(name)
            names.append(str(name))
        listing = folder / "images.txt"
        listing.write_text("".join(f"{name}\n" for name in names))
        done = subprocess.run(
            [
                command,
                str(listing),
                "stdout",
                "-l",
                "eng",
                "--psm",
                str(layout),
                "--dpi",
                str(dpi),
                "tsv",
            ],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise UnreadableDocument(f"Tesseract failed on a page ({last})")
    return _lines(done.stdout, len(images))


def _lines(tsv: str, count: int) -> list[list[OcrLine]]:
    """Tesseract's words (level 5 of its TSV), grouped into lines per image."""
    words: dict[tuple[int, int, int, int], list[tuple[str, int, int, int, int, float]]] = {}
    for record in tsv.splitlines()[1:]:
        fields = record.split("\t")
        if len(fields) != 12 or fields[0] != "5":
            continue
        text, confidence = fields[11].strip(), float(fields[10])
        if not text or (not any(ch.isalnum() for ch in text) and confidence < MIN_MARK_CONFIDENCE):
            continue
        page, block, paragraph, line = (int(value) for value in fields[1:5])
        left, top, width, height = (int(value) for value in fields[6:10])
        key = (page, block, paragraph, line)
        words.setdefault(key, []).append((text, left, top, left + width, top + height, confidence))
    result: list[list[OcrLine]] = [[] for _ in range(count)]
    for key, found in words.items():
        result[key[0] - 1].append(
            OcrLine(
                " ".join(word[0] for word in found),
                min(word[1] for word in found),
                min(word[2] for word in found),
                max(word[3] for word in found),
                max(word[4] for word in found),
                min(word[5] for word in found),
            )
        )
    for lines in result:
        lines.sort(key=lambda line: (line.top, line.left))
    return result
