"""Facts about the running service, for ``calendar-svc check`` and ``/healthz``.

Only facts that hold no secret: the database URL and mail credentials are
never included.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from models import LedgerEntry, LedgerState, SchedulerHeartbeat
from models.migrate import pending_revisions
from notifications.mail import DeliveryFailed, SmtpMailer

#: A scheduler whose last heartbeat is older than this is taken for dead.
STALE_AFTER = dt.timedelta(minutes=5)


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


def scheduler_facts(engine: Engine, *, now: dt.datetime) -> dict[str, Any]:
    """The freshest scheduler heartbeat, and whether it is recent enough."""
    with engine.connect() as connection:
        row = connection.execute(
            select(SchedulerHeartbeat.name, SchedulerHeartbeat.beat_at)
            .order_by(SchedulerHeartbeat.beat_at.desc())
            .limit(1)
        ).first()
    if row is None:
        return {"ok": False, "scheduler": "never seen (start calendar-svc scheduler)"}
    beat_at = row.beat_at if row.beat_at.tzinfo else row.beat_at.replace(tzinfo=dt.UTC)
    age = now - beat_at
    alive = age <= STALE_AFTER
    state = "alive" if alive else "silent"
    return {
        "ok": alive,
        "scheduler": f"{state} ({row.name}, last heartbeat {int(age.total_seconds())} s ago)",
    }


def failed_mail_facts(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        failed = connection.scalar(
            select(func.count()).where(LedgerEntry.state == LedgerState.FAILED)
        )
    return {"ok": not failed, "failed_mails": failed or 0}


def mail_facts(mailer: SmtpMailer) -> dict[str, Any]:
    try:
        mailer.check()
    except DeliveryFailed as exc:
        return {"ok": False, "mail": str(exc)}
    return {"ok": True, "mail": f"{mailer.settings.host}:{mailer.settings.port} reachable"}
