"""Feed serving benchmark: gunicorn (2 workers) against nginx serving the same bytes.

Both serve every per-section feed of the sample note on loopback; wrk cycles
through all of them (a Lua script), once for full 200 responses and once with
each feed's ETag in If-None-Match (304). nginx serving the rendered files as
static files is the limit the app is compared with. wrk and nginx come from
Debian's packages (installed with apt-get when missing, as root).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from calendar_svc.ingest.importer import import_note, load_note
from calendar_svc.ingest.source import read_source
from calendar_svc.subscribers import add_subscriber
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


def ensure_tools() -> None:
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


def prepare(folder: Path) -> tuple[str, str, list[str]]:
    """A database with the sample and a subscriber; return (url, token, slugs)."""
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        source = read_source(SAMPLE, max_bytes=10_000_000)
        import_note(session, source, load_note(source), now=NOW)
        subscriber = add_subscriber(session, "bench@example.eu", now=NOW, everything=True)
        token = issue_token(session, subscriber, secret=b"bench", now=NOW)
        slugs = [s.slug for s in session.query(Section).order_by(Section.position)]
    engine.dispose()
    return url, token, slugs


@contextlib.contextmanager
def gunicorn(database_url: str, port: int) -> Iterator[str]:
    binary = Path(sys.executable).with_name("gunicorn")
    env = os.environ | {"CALENDAR_SVC_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [str(binary), "--workers", "2", "--bind", f"127.0.0.1:{port}", "calendar_svc:create_app()"],
        env=env,
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


def etags(base: str, paths: list[str]) -> list[str]:
    tags = []
    for path in paths:
        with urllib.request.urlopen(base + path, timeout=10) as response:
            tags.append(response.headers["ETag"])
    return tags


def lua(paths: list[str], tags: list[str] | None) -> str:
    """A wrk script cycling through ``paths``, with If-None-Match when ``tags`` are given."""
    quoted = ", ".join(f'"{p}"' for p in paths)
    lines = [f"paths = {{{quoted}}}", "i = 0"]
    if tags is not None:
        tag_list = ", ".join("'" + t + "'" for t in tags)
        lines.append(f"tags = {{{tag_list}}}")
    lines.append("request = function()")
    lines.append("  i = i % #paths + 1")
    if tags is not None:
        lines.append('  return wrk.format("GET", paths[i], {["If-None-Match"] = tags[i]})')
    else:
        lines.append('  return wrk.format("GET", paths[i])')
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


def run() -> list[dict[str, object]]:
    ensure_tools()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database_url, token, slugs = prepare(folder)
        app_paths = [f"/feeds/{token}/section/{slug}.ics" for slug in slugs]
        static = folder / "static"
        static.mkdir()
        # nginx's workers run as an unprivileged user: let them read the files.
        folder.chmod(0o755)
        static.chmod(0o755)
        with gunicorn(database_url, free_port()) as app:
            wait_for(app + app_paths[0])
            for slug, path in zip(slugs, app_paths, strict=True):
                with urllib.request.urlopen(app + path) as response:
                    (static / f"{slug}.ics").write_bytes(response.read())
            app_tags = etags(app, app_paths)
            (folder / "app-200.lua").write_text(lua(app_paths, None))
            (folder / "app-304.lua").write_text(lua(app_paths, app_tags))
            app_200 = median_rate(app, folder / "app-200.lua")
            app_304 = median_rate(app, folder / "app-304.lua")
        static_paths = [f"/{slug}.ics" for slug in slugs]
        with nginx(static, free_port(), folder) as peer:
            wait_for(peer + static_paths[0])
            peer_tags = etags(peer, static_paths)
            (folder / "nginx-200.lua").write_text(lua(static_paths, None))
            (folder / "nginx-304.lua").write_text(lua(static_paths, peer_tags))
            nginx_200 = median_rate(peer, folder / "nginx-200.lua")
            nginx_304 = median_rate(peer, folder / "nginx-304.lua")
        sizes = [p.stat().st_size for p in static.iterdir()]
    note = f"{len(slugs)} section feeds, {statistics.mean(sizes) / 1024:.1f} KiB on average"
    return [
        {"name": "feed 200, gunicorn 2 workers", "rate": app_200, "peer": nginx_200, "note": note},
        {"name": "feed 304, gunicorn 2 workers", "rate": app_304, "peer": nginx_304, "note": note},
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['rate']:.0f} req/s; nginx static {row['peer']:.0f} req/s")
