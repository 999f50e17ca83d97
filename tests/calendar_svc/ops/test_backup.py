"""``calendar-svc backup``: a consistent copy of the SQLite database, and restoring it.

Backups are SQLite's own (PostgreSQL has pg_dump), so these tests run on
SQLite files only, whatever ``CALENDAR_SVC_TEST_DATABASE_URL`` says.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import make_url

from tests.helpers.commands import Run
from tests.helpers.data import SAMPLE, V2
from tests.helpers.databases import fresh_database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """A SQLite file (this module's ``run`` uses it)."""
    with fresh_database("sqlite", tmp_path) as url:
        yield url


@pytest.fixture
def imported(run: Run) -> Run:
    assert run("init-db").returncode == 0
    assert run("ingest", str(SAMPLE), "--now", "2024-02-07").returncode == 0
    return run


def events(path: Path) -> list[tuple[str, str, str, str, int]]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(
            "SELECT uid, title, outcome, raw_date, revision FROM events ORDER BY uid"
        ).fetchall()


def file_of(url: str) -> Path:
    return Path(str(make_url(url).database))


def test_a_backup_holds_the_same_events(imported: Run, database: str, tmp_path: Path) -> None:
    target = tmp_path / "backups" / "calendar.sqlite3"
    target.parent.mkdir()
    result = imported("backup", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"backed up {file_of(database)} to {target} (")
    copied = events(target)
    assert len(copied) == 836
    assert copied == events(file_of(database))
    assert os.listdir(target.parent) == ["calendar.sqlite3"]  # nothing half-written beside it


def test_a_backup_during_a_write_holds_only_what_was_committed(
    imported: Run, database: str, tmp_path: Path
) -> None:
    """Another connection has committed a change (still only in the WAL file, where a file
    copy would miss it) and is in the middle of the next: the backup neither waits for the
    open transaction nor copies it."""
    original = file_of(database)
    target = tmp_path / "during-write.sqlite3"
    with closing(sqlite3.connect(original, isolation_level=None)) as writer:
        writer.execute("UPDATE events SET outcome = 'committed'")
        assert Path(f"{original}-wal").stat().st_size > 0
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE events SET title = 'not committed'")
        result = imported("backup", str(target))
        writer.execute("ROLLBACK")
    assert result.returncode == 0, result.stderr
    copied = events(target)
    assert copied == events(original)
    assert {(outcome, title == "not committed") for _u, title, outcome, _d, _r in copied} == {
        ("committed", False)
    }


def test_a_restored_backup_is_the_service_as_it_was(
    imported: Run, database: str, tmp_path: Path
) -> None:
    """README's procedure: processes stopped, the backup copied over the database file."""
    exported = imported("export", "--format", "json").stdout
    backup = tmp_path / "before-v2.sqlite3"
    assert imported("backup", str(backup)).returncode == 0
    first_v2 = imported("ingest", str(V2), "--now", "2024-05-16")
    assert first_v2.returncode == 0
    assert imported("export", "--format", "json").stdout != exported

    shutil.copyfile(backup, file_of(database))

    assert imported("export", "--format", "json").stdout == exported
    assert len(json.loads(exported)) == 836
    check = imported("check")
    assert check.stdout.startswith("database: reachable\nmigrations: up to date\n")
    # A working store: the second version imports again, with the same changes.
    second_v2 = imported("ingest", str(V2), "--now", "2024-05-16")
    assert second_v2.returncode == 0, second_v2.stderr
    assert second_v2.stdout == first_v2.stdout


def test_a_backup_refuses_to_overwrite_or_guess(imported: Run, tmp_path: Path) -> None:
    existing = tmp_path / "existing.sqlite3"
    existing.write_bytes(b"an older backup")
    for target, message in (
        (existing, f"Error: {existing} exists already: give the name of a new file"),
        (tmp_path, f"Error: {tmp_path} exists already: give the name of a new file"),
        (
            tmp_path / "missing" / "b.sqlite3",
            f"Error: folder {tmp_path / 'missing'} does not exist",
        ),
    ):
        result = imported("backup", str(target))
        assert (result.returncode, result.stdout, result.stderr) == (1, "", message + "\n")
    assert existing.read_bytes() == b"an older backup"
    assert not any(path.name.endswith(".partial") for path in tmp_path.iterdir())


def test_a_postgresql_database_is_sent_to_pg_dump(tmp_path: Path) -> None:
    """Refused before connecting, and the URL's password is not repeated."""
    script = shutil.which("calendar-svc", path=str(Path(sys.executable).parent))
    assert script is not None
    url = "postgresql+psycopg://calendar_svc:pg-password-1b9@db.internal/calendar_svc"
    result = subprocess.run(
        [script, "--db", url, "backup", str(tmp_path / "b.sqlite3")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "Error: the database is postgresql, not SQLite: back it up with pg_dump\n"
    )
    assert list(tmp_path.iterdir()) == []
