"""Facts about the running service, for ``calendar-svc check`` and ``/healthz``.

Only facts that hold no secret: the database URL is never included.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from models.migrate import pending_revisions


def database_facts(engine: Engine) -> dict[str, Any]:
    """Reachability and pending migrations of the database."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        pending = pending_revisions(engine)
    except SQLAlchemyError as exc:
        reason = str(exc.orig) if getattr(exc, "orig", None) else type(exc).__name__
        return {"ok": False, "database": "unreachable", "reason": reason.splitlines()[0]}
    return {
        "ok": not pending,
        "database": "reachable",
        "pending_migrations": pending,
    }
