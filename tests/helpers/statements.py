"""What an engine sends: counted through SQLAlchemy's cursor events."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event

#: Transaction control, not a query: SQLite's is the ``BEGIN`` that
#: ``models.db.make_engine`` sends itself (PostgreSQL's driver sends its own
#: unseen), so neither counts as a statement.
TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"})


@dataclass
class Statements:
    """What an engine sent: each query's text, the first word of each, and the commits."""

    verbs: Counter[str] = field(default_factory=Counter)
    queries: list[str] = field(default_factory=list)
    commits: int = 0

    def writes(self) -> int:
        return sum(self.verbs[verb] for verb in ("INSERT", "UPDATE", "DELETE"))

    def watch(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._executed)
        event.listen(engine, "commit", self._committed)

    def forget(self, engine: Engine) -> None:
        """Stop counting what ``engine`` sends (an engine a test shares with others)."""
        event.remove(engine, "before_cursor_execute", self._executed)
        event.remove(engine, "commit", self._committed)

    def _executed(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        verb = statement.split(None, 1)[0].upper()
        self.verbs[verb] += 1
        if verb not in TRANSACTION_CONTROL:
            self.queries.append(statement)

    def _committed(self, _conn: Any) -> None:
        self.commits += 1

    def clear(self) -> None:
        self.verbs.clear()
        self.queries.clear()
        self.commits = 0
