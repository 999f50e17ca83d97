"""Facts about the running service, for ``calendar-svc check`` and ``/healthz``.

Only facts that hold no secret: the database URL and mail credentials are
never included. ``check`` prints them for an operator (host names, error
texts); :func:`public_health` keeps what anyone may see, for ``/healthz``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError, StatementError
from sqlalchemy.orm import Session

from models import LedgerEntry, LedgerState, SchedulerHeartbeat
from models.migrate import pending_revisions
from notifications.ledger import waiting_to_retry
from notifications.mail import DeliveryFailed, SmtpMailer, port_mismatch

#: A scheduler whose last heartbeat is older than this is taken for dead.
STALE_AFTER = dt.timedelta(minutes=5)
#: How long ``/healthz`` waits on the mail server (per connect or reply): a
#: silent server must not hold a web worker for ``smtp.timeout_seconds``.
PROBE_TIMEOUT = 2.0


def database_facts(engine: Engine) -> dict[str, Any]:
    """Reachability and pending migrations of the database."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        pending = pending_revisions(engine)
    except SQLAlchemyError as exc:
        reason = (
            str(exc.orig) if isinstance(exc, StatementError) and exc.orig else type(exc).__name__
        )
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
        return {
            "ok": False,
            "state": "never seen",
            "scheduler": "never seen (start calendar-svc scheduler)",
        }
    beat_at = row.beat_at if row.beat_at.tzinfo else row.beat_at.replace(tzinfo=dt.UTC)
    age = now - beat_at
    alive = age <= STALE_AFTER
    state = "alive" if alive else "silent"
    return {
        "ok": alive,
        "state": state,
        "seconds_since_heartbeat": int(age.total_seconds()),
        "scheduler": f"{state} ({row.name}, last heartbeat {int(age.total_seconds())} s ago)",
    }


def failed_mail_facts(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        failed = connection.scalar(
            select(func.count()).where(LedgerEntry.state == LedgerState.FAILED)
        )
    return {"ok": not failed, "failed_mails": failed or 0}


def waiting_mail_facts(engine: Engine) -> dict[str, Any]:
    """Mails waiting for another attempt, each group with its last error (for ``check``)."""
    with Session(engine) as session:
        waiting = waiting_to_retry(session)
    return {"ok": not waiting, "waiting": waiting}


def mail_facts(mailer: SmtpMailer) -> dict[str, Any]:
    """Whether the mail server answers as configured; ``mismatch``: security unfit for the port."""
    mismatch = port_mismatch(mailer.settings) if mailer.settings.host else None
    try:
        mailer.check()
    except DeliveryFailed as exc:
        state = "unreachable" if mailer.settings.host else "not configured"
        return {"ok": False, "state": state, "mail": str(exc), "mismatch": mismatch}
    return {
        "ok": mismatch is None,
        "state": "reachable" if mismatch is None else "misconfigured",
        "mail": f"{mailer.settings.host}:{mailer.settings.port} reachable",
        "mismatch": mismatch,
    }


def public_health(engine: Engine, mailer: SmtpMailer, *, now: dt.datetime) -> dict[str, Any]:
    """The facts of ``calendar-svc check`` that anyone may see (``/healthz``).

    Each fact has ``ok`` and a ``state`` word, never a host name, a URL or an
    error text (a driver's message names the database server); nothing comes
    from the note. Scheduler and failed mails are read only from a database
    whose schema is current (before that their tables may not exist). The mail
    server is given :data:`PROBE_TIMEOUT`.

    Returns:
        ``{"ok": all ok, "database": {...}, "migrations": {...}, "scheduler":
        {...}, "failed_mails": {...}, "mail": {...}}``.
    """
    database = database_facts(engine)
    reachable = database["database"] == "reachable"
    pending = database.get("pending_migrations", [])
    unknown = {"ok": False, "state": "unknown"}
    facts: dict[str, dict[str, Any]] = {
        "database": {"ok": reachable, "state": database["database"]},
        "migrations": unknown,
        "scheduler": unknown,
        "failed_mails": unknown,
    }
    if reachable:
        state = "pending" if pending else "up to date"
        facts["migrations"] = {"ok": not pending, "state": state, "pending": pending}
    if database["ok"]:
        scheduler = scheduler_facts(engine, now=now)
        facts["scheduler"] = _only(scheduler, "ok", "state", "seconds_since_heartbeat")
        failed = failed_mail_facts(engine)["failed_mails"]
        facts["failed_mails"] = {
            "ok": not failed,
            "state": "some" if failed else "none",
            "count": failed,
        }
    timeout = min(mailer.settings.timeout, PROBE_TIMEOUT)
    facts["mail"] = _only(
        mail_facts(SmtpMailer(replace(mailer.settings, timeout=timeout))), "ok", "state"
    )
    return {"ok": all(fact["ok"] for fact in facts.values()), **facts}


def _only(facts: dict[str, Any], *keys: str) -> dict[str, Any]:
    # An allow-list: what a fact gains later stays out of /healthz until named here.
    return {key: facts[key] for key in keys if key in facts}
