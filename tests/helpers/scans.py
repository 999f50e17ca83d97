"""Scanned copies of the PDF fixtures, made as a photocopier and scanner make them.

Each page of a born-digital PDF is rendered by pdfium at the scan's resolution,
turned by a small random angle (a sheet fed askew, up to ``MAX_TILT`` degrees),
given sensor noise and specks of dust, and thresholded to black and white.
Pillow saves the pages as a PDF of images (what a scanner without OCR makes);
with ``text_layer``, Tesseract's own PDF renderer adds its invisible OCR text
over each image (what "scan to searchable PDF" makes). The random choices come
from ``seed``: the same call makes the same file.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pypdf
import pypdfium2
from PIL import Image

#: The largest tilt of a page, in degrees, either way.
MAX_TILT = 0.7
#: Standard deviation of the sensor noise, in grey levels.
NOISE = 28
#: Specks of dust per page.
SPECKS = 120
#: Grey level below which a pixel is printed black.
THRESHOLD = 150


def scanned_copy(
    source: Path,
    folder: Path,
    *,
    dpi: int = 200,
    text_layer: bool = False,
    pages: int | Sequence[int] | None = None,
    seed: int = 5484,
) -> Path:
    """A scan of ``source`` in ``folder``: all its pages, its first ``pages``, or those
    numbered (from 0) in ``pages``."""
    rng = np.random.default_rng(seed)
    document = pypdfium2.PdfDocument(source)
    try:
        if pages is None or isinstance(pages, int):
            chosen = list(range(len(document) if pages is None else min(pages, len(document))))
        else:
            chosen = list(pages)
        images = [_scanned(document[i], dpi, rng) for i in chosen]
    finally:
        document.close()
    layer = "ocr" if text_layer else "images"
    named = "-".join(map(str, chosen)) if len(chosen) < 10 else f"{len(chosen)}p"
    path = folder / f"{source.stem}-{dpi}dpi-{layer}-{named}-{seed}.pdf"
    if text_layer:
        _with_text_layer(images, dpi, path)
    else:
        images[0].save(path, save_all=True, append_images=images[1:], resolution=dpi)
    return path


def _scanned(page: pypdfium2.PdfPage, dpi: int, rng: np.random.Generator) -> Image.Image:
    grey = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    tilted = grey.rotate(
        rng.uniform(-MAX_TILT, MAX_TILT), resample=Image.Resampling.BICUBIC, fillcolor=255
    )
    pixels = np.asarray(tilted, dtype=np.float32)
    pixels = pixels + rng.normal(0, NOISE, pixels.shape)
    height, width = pixels.shape
    for _ in range(SPECKS):
        y, x = rng.integers(0, height - 3), rng.integers(0, width - 3)
        size = int(rng.integers(1, 3))
        pixels[y : y + size, x : x + size] = 0
    return Image.fromarray(np.where(pixels < THRESHOLD, 0, 255).astype(np.uint8)).convert("1")


def _with_text_layer(images: list[Image.Image], dpi: int, path: Path) -> None:
    """Tesseract's searchable PDF of ``images``: two halves read at once, joined by pypdf."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = []
        for number, image in enumerate(images):
            name = folder / f"page-{number:03}.tif"
            image.save(name, dpi=(dpi, dpi), compression="group4")
            names.append(name)
        middle = (len(names) + 1) // 2
        halves = [half for half in (names[:middle], names[middle:]) if half]

        def ocr(index: int) -> Path:
            listing = folder / f"half-{index}.txt"
            listing.write_text("".join(f"{name}\n" for name in halves[index]))
            out = folder / f"half-{index}"
            subprocess.run(
                ["tesseract", str(listing), str(out), "-l", "eng", "--dpi", str(dpi), "pdf"],
                check=True,
                capture_output=True,
                env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
            )
            return out.with_suffix(".pdf")

        with ThreadPoolExecutor(max_workers=2) as pool:
            parts = list(pool.map(ocr, range(len(halves))))
        writer = pypdf.PdfWriter()
        for part in parts:
            writer.append(str(part))
        with path.open("wb") as f:
            writer.write(f)
