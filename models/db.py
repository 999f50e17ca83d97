"""The declarative base, shared column types, engine/session construction, statement helpers.

There is no module-level engine: callers build one with :func:`make_engine`
and a session factory with :func:`make_session_factory` (the Flask app factory,
the scheduler, the tests), and own the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any, cast

from sqlalchemy import JSON, DateTime, Engine, Enum, MetaData, String, Text, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Dialect, Result
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class TZDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC instant on every database.

    SQLite keeps no time zone, so values are stored as naive UTC and given
    ``tzinfo=UTC`` back when loaded. A naive value is refused: it would be
    ambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: instants must be timezone-aware")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


intpk = Annotated[int, mapped_column(primary_key=True)]
#: A short label or name (slugs, symbols, enum values).
str80 = Annotated[str, mapped_column(String(80))]
#: Free text of any length (titles, outcomes, raw rows).
text = Annotated[str, mapped_column(Text)]


def str_enum(enum: type[StrEnum], name: str) -> Enum:
    """Store a ``StrEnum`` by value as a string column with a named CHECK constraint.

    Not a native database enum, so adding a value is a plain migration on
    PostgreSQL as well.
    """
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=40,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)
        dt.datetime: TZDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL, a busy timeout and real transactions,
    PostgreSQL no JIT compilation.

    pysqlite's own transaction handling defers ``BEGIN`` and ignores
    ``SAVEPOINT`` semantics; SQLAlchemy's documented recipe hands the
    transaction to SQLAlchemy so that every write is one transaction and a
    rollback really undoes it (also inside tests' savepoints). Transactions
    begin ``DEFERRED`` unless the engine comes from :func:`writer`. A file
    database is put in WAL mode, so readers never wait for a writer.
    """
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        in_memory = engine.url.database in (None, "", ":memory:")

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
            # On the driver's connection: a statement through SQLAlchemy costs
            # as much again as the one-query feed request it begins.
            connection.connection.driver_connection.execute(f"BEGIN {mode}")

    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _without_jit(dbapi_connection: Any, _record: Any) -> None:
            # PostgreSQL compiles a statement it deems costly to machine code
            # first (jit_above_cost): for the reminder pass that took 2.2 s to
            # save nothing on a 0.2 s run, and the app's statements are all
            # short. Outside a transaction, so no rollback undoes it.
            autocommit = dbapi_connection.autocommit
            dbapi_connection.autocommit = True
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET jit = off")
            dbapi_connection.autocommit = autocommit

    return engine


def writer(engine: Engine) -> Engine:
    """The engine for transactions that read then write.

    On SQLite they begin ``IMMEDIATE``: a deferred transaction that read first
    cannot wait its turn to write when another writer is active ("database is
    locked"); an immediate one waits (busy timeout) and then proceeds. Other
    databases ignore the option.
    """
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory every caller uses; objects outlive their commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def insert_ignoring_conflicts(
    session: Session, entity: type[Base], index_elements: Sequence[str]
) -> sqlite.Insert | postgresql.Insert:
    """``INSERT ... ON CONFLICT (index_elements) DO NOTHING`` in the session's dialect."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite.insert(entity).on_conflict_do_nothing(index_elements=index_elements)
    if dialect == "postgresql":
        return postgresql.insert(entity).on_conflict_do_nothing(index_elements=index_elements)
    raise ValueError(f"no INSERT ... ON CONFLICT for {dialect}")


def rowcount(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows an UPDATE or DELETE without RETURNING matched.

    ``Session.execute`` is typed to return a plain ``Result``, as some ORM
    statements have no cursor; these do, and for them SQLAlchemy's advice
    (changelog 2.0.44) is to cast to ``CursorResult``.
    """
    return cast("CursorResult[*tuple[Any, ...]]", result).rowcount
