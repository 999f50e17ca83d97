"""Backups of the embedded SQLite database, taken while the service runs.

SQLite's online backup API (:meth:`sqlite3.Connection.backup`) copies the
database inside one read transaction: the copy holds what was committed when
it began, whatever the web app and the scheduler write meanwhile (in WAL mode
readers and writers do not wait for each other). Copying the file with ``cp``
is not safe: recent transactions live in the ``-wal`` file until a checkpoint,
and a copy taken during a checkpoint can be torn. PostgreSQL has pg_dump.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine

from calendar_svc.errors import BackupError


def back_up(engine: Engine, target: Path) -> int:
    """Copy the SQLite database of ``engine`` to the new file ``target``.

    The copy is written beside ``target`` under a temporary name and linked
    into place when complete, so ``target`` is a whole backup or absent (a
    backup killed half-way leaves no file that looks like one), and a file that
    appeared meanwhile is not overwritten.

    Returns:
        The size of the backup in bytes.

    Raises:
        BackupError: the database is not a SQLite file, ``target`` exists,
            its folder does not, or the copy cannot be written.
    """
    if engine.dialect.name != "sqlite":
        raise BackupError(
            f"the database is {engine.dialect.name}, not SQLite: back it up with pg_dump"
        )
    source = engine.url.database
    if not source or source == ":memory:" or not Path(source).is_file():
        raise BackupError(f"no SQLite database file at {source or ':memory:'}")
    if target.exists() or target.is_symlink():
        raise BackupError(f"{target} exists already: give the name of a new file")
    if not target.parent.is_dir():
        raise BackupError(f"folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        # The engine's connection has the busy timeout of every other one.
        with (
            closing(engine.raw_connection()) as connection,
            closing(sqlite3.connect(partial)) as copy,
        ):
            # All pages in one step: one read transaction, one snapshot. In
            # steps, every write to the source would restart the copy.
            driver = connection.driver_connection
            assert driver is not None  # only a connection already closed has none
            driver.backup(copy, pages=-1)
        os.link(partial, target)
    except FileExistsError:
        raise BackupError(f"{target} exists already: give the name of a new file") from None
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"cannot write the backup to {target}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size
