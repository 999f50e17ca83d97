"""``/healthz``: the facts of ``calendar-svc check``, to anyone, revealing nothing.

Each answer is read as a load balancer reads it (signed out) and searched for
what it must never hold: URLs, host names, the database's file, passwords,
recipients, and anything from the note.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from calendar_svc.app import create_app
from calendar_svc.ops.health import PROBE_TIMEOUT
from models import Subscriber
from notifications.jobs import beat
from notifications.ledger import RetryPolicy, claim, digest_row, mark_retry, record
from tests.helpers.apps import SECRET, services_of
from tests.helpers.sites import EDITOR, Seed, Site, serve_copy
from tests.helpers.smtp import SmtpServer

SMTP_PASSWORD = "smtp-password-7c1e"
SCHEDULER = "scheduler-host-4:4242"
FACTS = ("database", "migrations", "scheduler", "failed_mails", "mail")


def smtp_settings(port: int, **extra: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "username": "calendar-svc",
        "password": SMTP_PASSWORD,
    } | extra


def health(site: Site) -> tuple[int, dict[str, Any]]:
    """Ask as a load balancer does, and check the answer gives nothing away."""
    response = site.app.test_client().get("/healthz")
    body = response.get_data(as_text=True)
    database = services_of(site.app).engine.url
    for secret in (
        "postgresql", "sqlite", "://", "127.0.0.1", SMTP_PASSWORD, SECRET.decode(), SCHEDULER,
        "scheduler-host", EDITOR, str(database.database), "Serbia", "Readmission",
    ):  # fmt: skip
        assert secret not in body, secret
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, json.loads(body)


def beat_at(site: Site, moment: dt.datetime) -> None:
    with site.session() as session, session.begin():
        beat(session, name=SCHEDULER, started_at=moment - dt.timedelta(hours=1), now=moment)


@pytest.fixture
def healthy(seeded: Seed, tmp_path: Path, smtp: SmtpServer) -> Iterator[Site]:
    """A site whose scheduler beat a minute ago and whose mail server answers."""
    with serve_copy(seeded, tmp_path, smtp=smtp_settings(smtp.port)) as site:
        beat_at(site, site.clock.now - dt.timedelta(minutes=1))
        yield site


def test_a_healthy_service_answers_200_with_every_fact_ok(healthy: Site) -> None:
    status, body = health(healthy)
    assert status == 200
    assert body == {
        "ok": True,
        "database": {"ok": True, "state": "reachable"},
        "migrations": {"ok": True, "state": "up to date", "pending": []},
        "scheduler": {"ok": True, "state": "alive", "seconds_since_heartbeat": 60},
        "failed_mails": {"ok": True, "state": "none", "count": 0},
        "mail": {"ok": True, "state": "reachable"},
    }


def test_mail_server_down_is_503(healthy: Site, smtp: SmtpServer) -> None:
    smtp.stop()
    status, body = health(healthy)
    assert status == 503
    assert body["mail"] == {"ok": False, "state": "unreachable"}
    assert [fact for fact in FACTS if not body[fact]["ok"]] == ["mail"]


def test_a_silent_scheduler_is_503_by_the_apps_clock(healthy: Site) -> None:
    healthy.clock.advance(minutes=10)
    status, body = health(healthy)
    assert status == 503
    assert body["scheduler"] == {"ok": False, "state": "silent", "seconds_since_heartbeat": 660}


def test_no_heartbeat_is_503(copied_site: Site) -> None:
    status, body = health(copied_site)
    assert status == 503
    assert body["scheduler"] == {"ok": False, "state": "never seen"}
    assert body["mail"] == {"ok": False, "state": "not configured"}


def test_a_failed_mail_is_503(healthy: Site) -> None:
    now = healthy.clock.now
    policy = RetryPolicy(max_attempts=1)
    with healthy.session() as session, session.begin():
        editor = session.scalars(select(Subscriber).filter_by(email=EDITOR)).one()
        record(session, [digest_row(editor.id, editor.email, now.date())], now=now)
        token, [entry_id] = claim(session, now=now, policy=policy)
        mark_retry(session, entry_id, token, error=f"550 {EDITOR} unknown", now=now, policy=policy)
    status, body = health(healthy)
    assert status == 503
    assert body["failed_mails"] == {"ok": False, "state": "some", "count": 1}
    assert [fact for fact in FACTS if not body[fact]["ok"]] == ["failed_mails"]


def test_a_silent_mail_server_cannot_hold_the_request(seeded: Seed, tmp_path: Path) -> None:
    """A server that accepts and never greets: the probe gives up, whatever smtp.timeout_seconds."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        mail = smtp_settings(silent.getsockname()[1], timeout_seconds=60)
        with serve_copy(seeded, tmp_path, smtp=mail) as site:
            started = time.monotonic()
            status, body = health(site)
            elapsed = time.monotonic() - started
    assert status == 503
    assert body["mail"] == {"ok": False, "state": "unreachable"}
    assert PROBE_TIMEOUT <= elapsed < 4 * PROBE_TIMEOUT


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://calendar_svc:db-password-5d2@127.0.0.1:1/calendar_svc",
        "sqlite:///{tmp_path}/no/such/folder/calendar.sqlite3",
    ],
)
def test_an_unreachable_database_is_503_without_its_address(url: str, tmp_path: Path) -> None:
    app = create_app({"database": {"url": url.format(tmp_path=tmp_path)}})
    response = app.test_client().get("/healthz")
    body = response.get_data(as_text=True)
    for secret in ("db-password-5d2", "127.0.0.1", "postgresql", "sqlite", str(tmp_path)):
        assert secret not in body, secret
    assert response.status_code == 503
    assert json.loads(body) | {"mail": None} == {
        "ok": False,
        "database": {"ok": False, "state": "unreachable"},
        "migrations": {"ok": False, "state": "unknown"},
        "scheduler": {"ok": False, "state": "unknown"},
        "failed_mails": {"ok": False, "state": "unknown"},
        "mail": None,
    }
