"""Serving the app: werkzeug's threaded server in the test's process, or gunicorn."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve ``app`` with werkzeug's threaded server on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def gunicorn(database: str, *options: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """gunicorn serving the app over ``database`` (with ``options``), and its base URL.

    It serves a socket made here: requests wait in its backlog until gunicorn
    is up, so nothing has to poll for it.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), *options,
         "--bind", f"fd://{listener.fileno()}"],
        env=os.environ | {"CALENDAR_SVC_DATABASE_URL": database} | (env or {}),
        pass_fds=(listener.fileno(),),
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        process.terminate()
        process.wait(timeout=60)
        listener.close()
