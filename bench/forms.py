"""Ingest of each form of the sample note: text, Word and PDF, into SQLite.

Each figure is the median wall time of the whole import (read the file,
parse it, match, write, commit) into a fresh database made by the
migrations, as in ``bench/ingest.py``; beside it, how much of that is reading
the file into the note's structure. For the PDF, the reading is split into
pdfplumber's phases, timed on their own over every page: interpreting the
page (pdfminer, building pdfplumber's character objects), finding the ruled
tables, and extracting cell and line text.
"""

from __future__ import annotations

import functools
import statistics
import tempfile
import time
from pathlib import Path

import pdfplumber
from sqlalchemy.orm import Session

from bench.ingest import NOW
from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.source import forget_readings, load_note, read_source
from models import make_engine
from models.migrate import upgrade
from tests.helpers.databases import fresh_database

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
FORMS = {
    "text": DATA / "note_5484_24.txt",
    "docx": DATA / "note_5484_24.docx",
    "pdf": DATA / "note_5484_24.pdf",
}


def import_once(path: Path, url: str) -> tuple[float, float, int]:
    """Import ``path`` into the empty database at ``url``: (whole, reading, events)."""
    engine = make_engine(url)
    upgrade(engine)
    # The app keeps the last notes it read: each run reads the file afresh.
    forget_readings()
    started = time.perf_counter()
    source = read_source(path, max_bytes=100_000_000)
    note = load_note(source)
    read = time.perf_counter() - started
    with Session(engine) as session, session.begin():
        report = import_note(session, source, note, now=NOW)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, read, report.events


def pdf_phases(path: Path) -> dict[str, float]:
    """Seconds spent in each of pdfplumber's phases over the whole PDF, and its pages."""
    phases = {"interpret": 0.0, "tables": 0.0, "text": 0.0}
    with pdfplumber.open(path) as pdf:
        pages = len(pdf.pages)
        for page in pdf.pages:
            started = time.perf_counter()
            _ = page.chars
            interpreted = time.perf_counter()
            tables = page.find_tables()
            found = time.perf_counter()
            for table in tables:
                table.extract()
            page.extract_text_lines()
            phases["interpret"] += interpreted - started
            phases["tables"] += found - interpreted
            phases["text"] += time.perf_counter() - found
            page.close()
    return phases | {"pages": pages}


def run(runs: int = 5) -> list[dict[str, object]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = functools.partial(fresh_database, "sqlite", Path(tmp))
        for form, path in FORMS.items():
            results = []
            for _ in range(runs):
                with fresh() as url:
                    results.append(import_once(path, url))
            rows.append(
                {
                    "name": f"ingest of the sample as {form} (SQLite)",
                    "seconds": statistics.median(r[0] for r in results),
                    "reading": statistics.median(r[1] for r in results),
                    "events": results[0][2],
                    "runs": runs,
                    "bytes": path.stat().st_size,
                }
            )
    phases = [pdf_phases(FORMS["pdf"]) for _ in range(3)]
    rows[-1]["pages"] = int(phases[0]["pages"])
    rows[-1]["phases"] = {
        name: statistics.median(p[name] for p in phases) for name in ("interpret", "tables", "text")
    }
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
