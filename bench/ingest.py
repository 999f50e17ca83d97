"""Ingest benchmark: the sample note and a 100x synthetic note, into SQLite and PostgreSQL.

Each figure is the median wall time of several runs of the whole import (read,
parse, match, write, commit) into a fresh database made by the migrations.
The 100x note must take less than 100 times the 1x note plus a constant.

PostgreSQL is the server named by ``CALENDAR_SVC_BENCH_DATABASE_URL`` (by
default the local one): each run gets a new database on it, dropped afterwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from bench.synthetic import replicate
from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.source import forget_readings, load_note, read_source
from models import make_engine
from models.migrate import upgrade
from tests.helpers.databases import fresh_database

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "note_5484_24.txt"
NOW = dt.datetime(2024, 2, 7, tzinfo=dt.UTC)
SERVER_ENV = "CALENDAR_SVC_BENCH_DATABASE_URL"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

FreshDatabase = Callable[[], contextlib.AbstractContextManager[str]]


def server_url() -> str:
    return os.environ.get(SERVER_ENV, DEFAULT_SERVER)


def check_server() -> None:
    """Stop with one line when the PostgreSQL server cannot be used.

    A benchmark run without its PostgreSQL figures would look complete, so an
    unreachable server ends the run instead of being skipped.
    """
    url = make_url(server_url())
    try:
        engine = create_engine(url)  # fails here when the URL's driver is not installed
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect is the answer
        reason = str(exc).strip().splitlines()[0]
        raise SystemExit(
            f"bench: PostgreSQL at {url.render_as_string(hide_password=True)} cannot be reached:"
            f" {reason}; start it or set {SERVER_ENV}"
        ) from None


def ingest_once(path: Path, url: str) -> tuple[float, int]:
    """Import ``path`` into the empty database at ``url``; return (seconds, events).

    The migrations run before the clock starts: only the import is timed.
    """
    engine = make_engine(url)
    upgrade(engine)
    # The app keeps the last notes it read: each run reads the file afresh.
    forget_readings()
    started = time.perf_counter()
    source = read_source(path, max_bytes=2_000_000_000)
    note = load_note(source)
    with Session(engine) as session, session.begin():
        report = import_note(session, source, note, now=NOW)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, report.events


def median_time(path: Path, fresh: FreshDatabase, runs: int) -> tuple[float, int]:
    results = []
    for _ in range(runs):
        with fresh() as url:
            results.append(ingest_once(path, url))
    return statistics.median(r[0] for r in results), results[0][1]


def rows_for(
    database: str, fresh: FreshDatabase, notes: dict[int, Path], runs: dict[int, int]
) -> list[dict[str, object]]:
    rows = []
    for copies, path in notes.items():
        seconds, events = median_time(path, fresh, runs[copies])
        rows.append(
            {
                "name": f"ingest {copies}x ({database})",
                "database": database,
                "copies": copies,
                "seconds": seconds,
                "events": events,
                "runs": runs[copies],
            }
        )
    return rows


def run(runs_1x: int = 7, runs_100x: int = 3) -> list[dict[str, object]]:
    check_server()
    runs = {1: runs_1x, 100: runs_100x}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        big = workdir / "note_100x.txt"
        big.write_text(replicate(SAMPLE, 100), encoding="utf-8")
        notes = {1: SAMPLE, 100: big}
        sqlite = functools.partial(fresh_database, "sqlite", workdir)
        return rows_for("SQLite", sqlite, notes, runs) + rows_for(
            "PostgreSQL",
            functools.partial(fresh_database, "postgresql", workdir, server=server_url()),
            notes,
            runs,
        )


if __name__ == "__main__":
    for row in run():
        print(
            f"{row['name']}: {row['seconds']:.3f} s for {row['events']} events ({row['runs']} runs)"
        )
