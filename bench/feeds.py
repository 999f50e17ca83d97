"""Feed serving benchmark: gunicorn (2 workers) against nginx and Radicale serving the same events.

All three serve every per-section feed of the sample note on loopback; wrk
cycles through all of them (a Lua script), once for full 200 responses and
once with each feed's ETag in If-None-Match (304). nginx serving the rendered
files as static files is the limit the app is compared with. Radicale, a
CalDAV server, holds one calendar collection per section made by uploading
that section's rendered feed, and answers a GET of the collection with the
whole calendar: the same job done by a calendar server, run under the same
gunicorn (2 workers) so that only the application differs. wrk and nginx come
from Debian's packages (installed with apt-get when missing, as root);
Radicale from the ``bench`` extra (``make bench`` installs it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import importlib.util
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from bench.synthetic import replicate
from calendar_svc.app import create_app
from calendar_svc.extensions import services
from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.source import load_note, read_source
from calendar_svc.subscribers import add_subscriber
from feeds.feed import render_feed
from feeds.scopes import FeedQuery, everything
from feeds.tokens import issue_token
from models import Section, make_engine
from models.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "note_5484_24.txt"
NOW = dt.datetime(2024, 2, 7, tzinfo=dt.UTC)
DURATION = "5s"
CONNECTIONS = "32"
THREADS = "2"
RUNS = 3
#: The peer a feed's rate is held against (issue 14: at least half of it).
BARE = "bare Flask, same bytes from memory"


def ensure_tools() -> None:
    if importlib.util.find_spec("radicale") is None:
        raise SystemExit("bench: Radicale is not installed; `make bench` installs '.[test,bench]'")
    missing = [tool for tool in ("wrk", "nginx") if not shutil.which(tool)]
    if not missing:
        return
    packages = {"wrk": "wrk", "nginx": "nginx-light"}
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *(packages[m] for m in missing)], check=True, env=env
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def prepare(folder: Path, copies: int) -> tuple[str, str, list[str]]:
    """A database with ``copies`` copies of the sample and a subscriber.

    Returns (url, token, the slugs of the sample's own sections): at 10x the
    same 50 feeds are served from a database ten times larger.
    """
    note = folder / f"note_{copies}x.txt"
    note.write_text(replicate(SAMPLE, copies), encoding="utf-8")
    url = f"sqlite:///{folder / f'bench_{copies}x.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        source = read_source(note, max_bytes=1_000_000_000)
        import_note(session, source, load_note(source), now=NOW)
        subscriber = add_subscriber(session, "bench@example.eu", now=NOW, everything=True)
        token = issue_token(session, subscriber, secret=b"bench", now=NOW)
        slugs = [
            s.slug
            for s in session.query(Section).order_by(Section.position)
            if "copy" not in s.slug
        ]
    engine.dispose()
    return url, token, slugs


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], port: int) -> Iterator[str]:
    """Serve the WSGI ``app`` with 2 sync workers, the set-up every app-side figure uses."""
    binary = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(binary), "--workers", "2", "--bind", f"127.0.0.1:{port}", app],
        env=os.environ | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def nginx(root: Path, port: int, folder: Path) -> Iterator[str]:
    config = folder / "nginx.conf"
    config.write_text(
        f"""
daemon off;
worker_processes 2;
pid {folder / "nginx.pid"};
error_log {folder / "nginx-error.log"};
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ text/calendar ics; }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""
    )
    process = subprocess.Popen(["nginx", "-c", str(config)])
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def radicale(port: int, folder: Path) -> contextlib.AbstractContextManager[str]:
    """Radicale without authentication, its collections stored under ``folder``."""
    config = folder / "radicale.conf"
    config.write_text(
        f"""
[auth]
type = none
[rights]
type = authenticated
[storage]
filesystem_folder = {folder / "collections"}
[logging]
level = warning
"""
    )
    return gunicorn("radicale", {"RADICALE_CONFIG": str(config)}, port)


def send(method: str, url: str, body: bytes | None = None) -> None:
    request = urllib.request.Request(
        url, data=body, method=method, headers={"Content-Type": "text/calendar"}
    )
    with urllib.request.urlopen(request, timeout=30):
        pass


def upload(base: str, static: Path, slugs: list[str]) -> list[str]:
    """One calendar collection per section, from the section's rendered feed; return their paths.

    A PUT of a whole calendar on a collection URL makes Radicale store one item
    per UID. Reading each collection back checks it holds every event of the feed.
    """
    send("MKCOL", base + "/bench/")
    paths = []
    for slug in slugs:
        feed = (static / f"{slug}.ics").read_bytes()
        path = f"/bench/{slug}/"
        send("PUT", base + path, feed)
        with urllib.request.urlopen(base + path, timeout=30) as response:
            stored = response.read()
        if stored.count(b"BEGIN:VEVENT") != feed.count(b"BEGIN:VEVENT"):
            raise RuntimeError(f"Radicale's {path} does not hold the events of {slug}.ics")
        paths.append(path)
    return paths


def answers_304(base: str, path: str) -> bool:
    """Whether a GET with the ETag just served gets 304 (Radicale 3.9 sends the body again)."""
    with urllib.request.urlopen(base + path, timeout=30) as response:
        tag = response.headers["ETag"]
    request = urllib.request.Request(base + path, headers={"If-None-Match": tag})
    try:
        with urllib.request.urlopen(request, timeout=30):
            return False
    except urllib.error.HTTPError as error:
        return error.code == 304


def etags(base: str, paths: list[str]) -> list[str]:
    tags = []
    for path in paths:
        with urllib.request.urlopen(base + path, timeout=10) as response:
            tags.append(response.headers["ETag"])
    return tags


def lua(paths: list[str], tags: list[str] | None) -> str:
    """A wrk script cycling through ``paths``, with If-None-Match when ``tags`` are given.

    Each request is formatted once, when a thread starts: wrk shares the two
    cores with the server, and formatting each request anew would charge the
    conditional requests (with a header) more than the plain ones.
    """
    quoted = ", ".join(f'"{p}"' for p in paths)
    lines = [f"paths = {{{quoted}}}", "i = 0", "requests = {}"]
    if tags is not None:
        tag_list = ", ".join("'" + t + "'" for t in tags)
        lines.append(f"tags = {{{tag_list}}}")
    lines.append("init = function(args)")
    lines.append("  for k, path in ipairs(paths) do")
    if tags is not None:
        lines.append('    requests[k] = wrk.format("GET", path, {["If-None-Match"] = tags[k]})')
    else:
        lines.append('    requests[k] = wrk.format("GET", path)')
    lines.append("  end")
    lines.append("end")
    lines.append("request = function()")
    lines.append("  i = i % #requests + 1")
    lines.append("  return requests[i]")
    lines.append("end")
    lines.append("done = function(summary, latency, requests)")
    lines.append('  io.write(string.format("STATUS_OTHER %d\\n", summary.errors.status))')
    lines.append("end")
    return "\n".join(lines) + "\n"


def requests_per_second(base: str, script: Path) -> float:
    result = subprocess.run(
        ["wrk", "-t", THREADS, "-c", CONNECTIONS, "-d", DURATION, "-s", str(script), base],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    errors = re.search(r"STATUS_OTHER (\d+)", result.stdout)
    if match is None or errors is None or int(errors.group(1)):
        raise RuntimeError(f"wrk failed or saw unexpected statuses:\n{result.stdout}")
    return float(match.group(1))


def median_rate(base: str, script: Path) -> float:
    requests_per_second(base, script)  # warm-up: every worker renders and caches
    return statistics.median(requests_per_second(base, script) for _ in range(RUNS))


def script_for(base: str, paths: list[str], script: Path, conditional: bool) -> Path:
    """Write the wrk script over ``paths``; with ``conditional``, each GET sends the path's ETag.

    wrk counts any 2xx as success, so a server sending the whole body again would
    pass for a slow 304: the first conditional GET must really be a 304.
    """
    if conditional and not answers_304(base, paths[0]):
        raise RuntimeError(f"{base} does not answer 304 to If-None-Match with its own ETag")
    script.write_text(lua(paths, etags(base, paths) if conditional else None))
    return script


def measure(base: str, paths: list[str], script: Path, conditional: bool) -> float:
    """Median req/s over ``paths`` (see :func:`script_for`)."""
    return median_rate(base, script_for(base, paths, script, conditional))


def both(base: str, paths: list[str], script: Path) -> dict[int, float]:
    """Median req/s of full and of conditional GETs, their runs taken in turn.

    Taken in turn, a machine that slows down or speeds up during the run
    weighs on both alike, so their ratio is the app's and not the moment's.
    """
    scripts = {
        200: script_for(base, paths, script.with_suffix(".200.lua"), conditional=False),
        304: script_for(base, paths, script.with_suffix(".304.lua"), conditional=True),
    }
    for warm_up in scripts.values():
        requests_per_second(base, warm_up)
    rates: dict[int, list[float]] = {status: [] for status in scripts}
    for _ in range(RUNS):
        for status, each in scripts.items():
            rates[status].append(requests_per_second(base, each))
    return {status: statistics.median(runs) for status, runs in rates.items()}


def app_rates(folder: Path, static: Path, copies: int) -> tuple[dict[int, float], list[str], str]:
    """The app's rates, the sections' slugs and the database over ``copies`` copies of the sample.

    Saves each feed as served into ``static``: the peers serve exactly these
    bytes, so every server has the same events.
    """
    static.mkdir(exist_ok=True)
    database_url, token, slugs = prepare(folder, copies)
    paths = [f"/feeds/{token}/section/{slug}.ics" for slug in slugs]
    env = {"CALENDAR_SVC_DATABASE_URL": database_url}
    with gunicorn("calendar_svc:create_app()", env, free_port()) as app:
        wait_for(app + paths[0])
        for slug, path in zip(slugs, paths, strict=True):
            with urllib.request.urlopen(app + path) as response:
                (static / f"{slug}.ics").write_bytes(response.read())
        return both(app, paths, folder / f"app{copies}x"), slugs, database_url


def render_seconds(database_url: str) -> tuple[float, int]:
    """Median time to render ``all.ics`` afresh (no cache), and how many events it holds."""
    app = create_app({"database": {"url": database_url}})
    timings, events = [], 0
    with app.app_context():
        settings = services().feed_settings
        for _ in range(RUNS):
            with services().session_factory() as session:
                started = time.perf_counter()
                feed = render_feed(
                    session, everything(), FeedQuery(), today=NOW.date(), settings=settings
                )
                timings.append(time.perf_counter() - started)
                events = feed.events
        services().engine.dispose()
    return statistics.median(timings), events


def bare_rate(folder: Path, static: Path, token_paths: list[str]) -> float:
    """Bare Flask answering the same bytes from memory (``bench.bare``), 200 only."""
    env = {"BENCH_FEEDS_DIR": str(static), "PYTHONPATH": str(ROOT)}
    with gunicorn("bench.bare:create_app()", env, free_port()) as peer:
        wait_for(peer + token_paths[0])
        return measure(peer, token_paths, folder / "bare.200.lua", conditional=False)


def nginx_rates(folder: Path, static: Path, slugs: list[str]) -> dict[int, float]:
    paths = [f"/{slug}.ics" for slug in slugs]
    with nginx(static, free_port(), folder) as peer:
        wait_for(peer + paths[0])
        return both(peer, paths, folder / "nginx")


def radicale_rates(folder: Path, static: Path, slugs: list[str]) -> dict[int, float]:
    """Radicale's rate for 200, and for 304 only if it answers If-None-Match with one."""
    with radicale(free_port(), folder) as peer:
        wait_for(peer + "/.web/")
        paths = upload(peer, static, slugs)
        rates = {200: measure(peer, paths, folder / "radicale.200.lua", conditional=False)}
        if answers_304(peer, paths[0]):
            rates[304] = measure(peer, paths, folder / "radicale.304.lua", conditional=True)
        return rates


def run() -> tuple[list[dict[str, object]], dict[int, tuple[float, int]]]:
    """The rows of the rates table, and copies -> (seconds, events) of rendering all.ics afresh."""
    ensure_tools()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        static = folder / "static"
        static.mkdir()
        # nginx's workers run as an unprivileged user: let them read the files.
        folder.chmod(0o755)
        static.chmod(0o755)
        app, slugs, small_url = app_rates(folder, static, copies=1)
        # The bare app's paths carry a token like the app's, so both parse the same URLs.
        bare = bare_rate(folder, static, [f"/feeds/{'x' * 43}/section/{s}.ics" for s in slugs])
        large, _, large_url = app_rates(folder, folder / "static10x", copies=10)
        renders = {copies: render_seconds(url) for copies, url in ((1, small_url), (10, large_url))}
        static_file = nginx_rates(folder, static, slugs)
        calendar_server = radicale_rates(folder, static, slugs)
        sizes = [p.stat().st_size for p in static.iterdir()]
    note = f"{len(slugs)} section feeds, {statistics.mean(sizes) / 1024:.1f} KiB on average"
    radicale_name = f"Radicale {importlib.metadata.version('radicale')}"
    return [
        {
            "name": "feed 200, gunicorn 2 workers",
            "rate": app[200],
            "note": note,
            # None: the peer gives no such answer, so it has no figure.
            "peers": {
                BARE: bare,
                "nginx static file": static_file[200],
                radicale_name: calendar_server.get(200),
            },
        },
        {
            "name": "feed 304, gunicorn 2 workers",
            "rate": app[304],
            "note": note,
            "peers": {
                "the app's feed 200": app[200],
                "nginx static file": static_file[304],
                radicale_name: calendar_server.get(304),
            },
        },
        *(
            {
                "name": f"feed {status}, gunicorn 2 workers, database of 10x events",
                "rate": large[status],
                "note": note,
                "peers": {"the same at 1x": app[status]},
            }
            for status in (200, 304)
        ),
    ], renders


if __name__ == "__main__":
    rows, renders = run()
    for row in rows:
        print(f"{row['name']}: {row['rate']:.0f} req/s; peers {row['peers']}")
    for copies, (seconds, events) in renders.items():
        print(f"all.ics rendered afresh, {copies}x: {seconds:.3f} s for {events:,} events")
