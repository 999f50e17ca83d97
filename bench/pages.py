"""Web page benchmark: every page of the app on the sample note, signed in as an editor.

The app is served in-process (Flask's test client, so the figures are the
app's own time: routing, queries, templates, no network), over a SQLite file
holding the sample note with the second version imported on top (so that
documents have a diff and events a history). Each page is requested
:data:`RUNS` times after a warm-up; the criterion is that no page takes over
200 ms.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from calendar_svc.app import create_app
from calendar_svc.extensions import EXTENSION, services
from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.source import load_note, read_source
from calendar_svc.subscribers import add_subscriber
from calendar_svc.users import add_user
from feeds.tokens import issue_token
from models import Event, Role
from models.migrate import upgrade

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
RUNS = 30
LIMIT_MS = 200
EMAIL, PASSWORD = "bench@example.eu", "benchmark passphrase"
NOW = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)


def run() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {"database": {"url": f"sqlite:///{folder}/pages.sqlite3"}, "secret_key": "bench"},
            clock=lambda: NOW,
        )
        engine = app.extensions[EXTENSION].engine
        upgrade(engine)
        with app.app_context(), services().session_factory.begin() as session:
            for name, at in (("note_5484_24.txt", NOW.replace(month=2)), ("note_v2.txt", NOW)):
                source = read_source(DATA / name, max_bytes=20_000_000)
                import_note(session, source, load_note(source), now=at)
            add_user(session, EMAIL, name="Bench", role=Role.EDITOR, password=PASSWORD, now=NOW)
            subscriber = add_subscriber(session, EMAIL, now=NOW, sections=["serbia"])
            issue_token(session, subscriber, secret=services().secret, now=NOW)
            uid = (
                session.scalars(
                    select(Event).where(Event.title.startswith("10 th EU-Serbia Joint Readmission"))
                )
                .one()
                .uid
            )
        client = app.test_client()
        login = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)  # type: ignore[union-attr]
        client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
        pages = [
            "/",
            "/?group=western-balkans&confidence=tentative&q=readmission",
            "/sections",
            "/sections/serbia",
            "/sections/united-nations",
            f"/events/{uid}",
            "/events/new",
            "/documents",
            "/documents/1",
            "/documents/2",
            "/subscriptions",
            "/api/v1/events?limit=500",
            f"/api/v1/events/{uid}",
            "/api/v1/sections",
            "/api/v1/openapi.json",
        ]
        rows = []
        for path in pages:
            assert client.get(path).status_code == 200, path  # warm-up, and a sanity check
            times = []
            for _ in range(RUNS):
                start = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - start)
                assert response.status_code == 200
            rows.append(
                {
                    "path": path,
                    "median_ms": 1000 * statistics.median(times),
                    "max_ms": 1000 * max(times),
                    "kib": len(response.data) / 1024,
                }
            )
        engine.dispose()
        return rows


if __name__ == "__main__":
    for row in run():
        print(row)
