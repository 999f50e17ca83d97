"""The query plans of the reminder pass: EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (PostgreSQL)
of each rule's statement, as the database would run it on the data it holds.

``bench/reminders.py`` reports them next to its figures, so that a change of
plan (an index no longer used, a join order turned round) shows in
bench/RESULTS.md before it shows in the times.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ClauseElement, Executable
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from models import make_engine
from notifications.rules import (
    ReminderPolicy,
    firm_statement,
    updates_statement,
    windows_statement,
)


class Explain(Executable, ClauseElement):
    """``EXPLAIN`` of a statement, with its parameters bound as when it runs."""

    inherit_cache = False

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement


@compiles(Explain, "sqlite")
def _explain_sqlite(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN QUERY PLAN " + compiler.process(element.statement, **kw)


@compiles(Explain, "postgresql")
def _explain_postgresql(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN " + compiler.process(element.statement, **kw)


def plan(session: Session, statement: ClauseElement) -> str:
    """The plan of ``statement`` as text, one step a line (SQLite's indented as a tree)."""
    rows: list[Any] = list(session.execute(Explain(statement)))
    if session.get_bind().dialect.name != "sqlite":
        return "\n".join(row[0] for row in rows)
    # (id, parent, notused, detail): indent each step under its parent.
    depth = {0: -1}
    lines = []
    for node, parent, _, detail in rows:
        depth[int(node)] = depth.get(int(parent), -1) + 1
        lines.append("  " * depth[int(node)] + str(detail))
    return "\n".join(lines)


def plans(url: str, *, now: dt.datetime, policy: ReminderPolicy) -> dict[str, str]:
    """Rule name -> the plan of its statement on the database at ``url`` as of ``now``."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            today = now.date()
            return {
                "firm": plan(session, firm_statement(session, today)),
                "windows": plan(session, windows_statement(session, today, policy)),
                "updates": plan(session, updates_statement()),
            }
    finally:
        engine.dispose()


if __name__ == "__main__":
    import sys

    from bench.population import NOW

    for name, text in plans(sys.argv[1], now=NOW, policy=ReminderPolicy()).items():
        print(f"-- {name}\n{text}\n")
