"""What an engine sends: counted through SQLAlchemy's cursor events, or at the driver."""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import Engine, event

#: Transaction control, not a query: SQLite's is the ``BEGIN`` that
#: ``models.db.make_engine`` sends itself (PostgreSQL's driver sends its own
#: unseen), so neither counts as a statement.
TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"})


@dataclass
class Statements:
    """What an engine sent: each query's text, the first word of each, and the commits.

    :meth:`watch` counts what goes through SQLAlchemy; :meth:`watch_driver`
    counts what reaches the driver, also statements sent on its connection
    directly (``feeds.tokens.feed_access``).
    """

    verbs: Counter[str] = field(default_factory=Counter)
    queries: list[str] = field(default_factory=list)
    commits: int = 0
    _driver: bool = False

    def writes(self) -> int:
        return sum(self.verbs[verb] for verb in ("INSERT", "UPDATE", "DELETE"))

    def watch(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._executed)
        event.listen(engine, "commit", self._committed)

    def watch_driver(self, engine: Engine) -> None:
        """Count every statement the driver runs on connections checked out from now on."""
        self._driver = True
        event.listen(engine, "checkout", self._checked_out)

    def forget(self, engine: Engine) -> None:
        """Stop counting what ``engine`` sends (an engine a test shares with others)."""
        if self._driver:
            self._driver = False
            event.remove(engine, "checkout", self._checked_out)
        else:
            event.remove(engine, "before_cursor_execute", self._executed)
            event.remove(engine, "commit", self._committed)

    def clear(self) -> None:
        self.verbs.clear()
        self.queries.clear()
        self.commits = 0

    def _executed(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        self._count(statement)

    def _committed(self, _conn: Any) -> None:
        self.commits += 1

    def _count(self, statement: str) -> None:
        verb = statement.split(None, 1)[0].upper()
        self.verbs[verb] += 1
        if verb not in TRANSACTION_CONTROL:
            self.queries.append(statement)

    def _checked_out(self, connection: Any, _record: Any, _proxy: Any) -> None:
        if isinstance(connection, sqlite3.Connection):
            connection.set_trace_callback(self._traced)
        else:
            connection.cursor_factory = _counting_cursor(self)

    def _traced(self, statement: str) -> None:
        if self._driver:
            self._count(statement)


def _counting_cursor(statements: Statements) -> type[psycopg.Cursor[Any]]:
    class Counted(psycopg.Cursor[Any]):
        def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            statements._traced(str(query))
            return super().execute(query, *args, **kwargs)

    return Counted
