"""Ingest benchmark: the sample note and a 100x synthetic note, into SQLite.

Each figure is the median wall time of several runs of the whole import (read,
parse, match, write, commit) into a fresh database made by the migrations.
The 100x note must take less than 100 times the 1x note plus a constant.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from bench.synthetic import replicate
from calendar_svc.ingest.importer import import_note, load_note
from calendar_svc.ingest.source import read_source
from models import make_engine
from models.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "note_5484_24.txt"
NOW = dt.datetime(2024, 2, 7, tzinfo=dt.UTC)


def ingest_once(path: Path, workdir: Path, url: str | None = None) -> tuple[float, int]:
    """Import ``path`` into a fresh database; return (seconds, events)."""
    url = url or f"sqlite:///{workdir / f'bench-{time.monotonic_ns()}.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    source = read_source(path, max_bytes=2_000_000_000)
    note = load_note(source)
    with Session(engine) as session, session.begin():
        report = import_note(session, source, note, now=NOW)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, report.events


def median_time(path: Path, workdir: Path, runs: int) -> tuple[float, int]:
    results = [ingest_once(path, workdir) for _ in range(runs)]
    return statistics.median(r[0] for r in results), results[0][1]


def run(runs_1x: int = 7, runs_100x: int = 3) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        big = workdir / "note_100x.txt"
        big.write_text(replicate(SAMPLE, 100), encoding="utf-8")
        t1, n1 = median_time(SAMPLE, workdir, runs_1x)
        t100, n100 = median_time(big, workdir, runs_100x)
    return [
        {"name": "ingest 1x (SQLite)", "seconds": t1, "events": n1, "runs": runs_1x},
        {"name": "ingest 100x (SQLite)", "seconds": t100, "events": n100, "runs": runs_100x},
    ]


if __name__ == "__main__":
    for row in run():
        print(
            f"{row['name']}: {row['seconds']:.3f} s for {row['events']} events ({row['runs']} runs)"
        )
