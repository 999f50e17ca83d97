"""The databases the tests run on: SQLite always, PostgreSQL when one is named.

``CALENDAR_SVC_TEST_DATABASE_URL`` names a PostgreSQL database (``.ci/run``
sets it to the server on 127.0.0.1:5432). Then every database test runs on
both: fixtures are parametrised over :data:`KINDS`. Tests that need a whole
database of their own (commands, processes, the web app) get one from
:func:`fresh_database`: a new SQLite file, or a new database created on the
server (optionally from a template) and dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, create_engine, event, make_url, text
from sqlalchemy.orm import Session, SessionTransaction

from models import make_engine

ENV = "CALENDAR_SVC_TEST_DATABASE_URL"
SERVER_URL = os.environ.get(ENV, "")
KINDS = ("sqlite", "postgresql") if SERVER_URL else ("sqlite",)


def check_server() -> str | None:
    """Why the named server cannot be used, or None when it can (or none is named)."""
    if not SERVER_URL:
        return None
    url = make_url(SERVER_URL)
    if url.get_backend_name() != "postgresql":
        return f"{ENV} must name a PostgreSQL database, not {url.get_backend_name()}"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect is the answer
        return f"{ENV} names a server that cannot be reached: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()
    return None


@contextmanager
def fresh_database(
    kind: str, folder: Path, *, template: str | None = None, server: str = SERVER_URL
) -> Iterator[str]:
    """The URL of a new database, empty or a copy of ``template`` (a URL of the same kind).

    SQLite: a file in ``folder``. PostgreSQL: ``CREATE DATABASE ... TEMPLATE``
    on ``server`` (the named one unless said), dropped (with its connections)
    afterwards. The benchmarks use it too.
    """
    if kind == "sqlite":
        path = folder / f"db-{secrets.token_hex(4)}.sqlite3"
        if template is not None:
            shutil.copy(make_url(template).database, path)
        yield f"sqlite:///{path}"
        return
    server_url = make_url(server)
    name = f"calendar_svc_test_{secrets.token_hex(6)}"
    source = f' TEMPLATE "{make_url(template).database}"' if template else ""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{source}'))
        try:
            yield server_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def connected(url: str) -> Iterator[Connection]:
    """A connection to ``url`` in one transaction, committed on leaving; the engine
    is disposed of, so no pooled connection outlives the block."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


class JoinedSession(Session):
    """A session joined to a test's transaction, whose own transactions are savepoints.

    Closed with its transaction open, a session rolls back to its savepoint,
    undoing also every savepoint begun inside it since: a request's reading
    session, begun before its writing session, would undo what the writer
    committed. Outside tests the reader's rollback undoes nothing, as it
    wrote nothing; so here, when it holds no change and flushed none, it
    releases its savepoint instead.
    """

    def close(self) -> None:
        transaction = self.get_transaction()
        if (
            transaction is not None
            and transaction.is_active
            and not (self.new or self.dirty or self.deleted or self.info.get("flushed"))
        ):
            self.commit()
        super().close()


@event.listens_for(JoinedSession, "after_flush")
def _flushed(session: Session, _context: object) -> None:
    session.info["flushed"] = True


@event.listens_for(JoinedSession, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop("flushed", None)


def rows(database: str, query: str) -> list[Row[Any]]:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query)))
    finally:
        engine.dispose()


def ledger_states(database: str) -> Counter[str]:
    return Counter(state for (state,) in rows(database, "SELECT state FROM reminder_ledger"))
