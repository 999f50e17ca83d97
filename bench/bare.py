"""The feed benchmark's baseline: a bare Flask app answering each feed's bytes from memory.

It serves the files of ``BENCH_FEEDS_DIR`` (``<slug>.ics``, as the app served
them) at the app's feed paths, with the same content type and no database,
token, cache or validators: what Flask and gunicorn cost by themselves, the
rate the app's feeds are compared with (``bench/feeds.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, abort


def create_app() -> Flask:
    folder = Path(os.environ["BENCH_FEEDS_DIR"])
    feeds = {path.stem: path.read_bytes() for path in folder.glob("*.ics")}
    app = Flask(__name__)

    @app.get("/feeds/<token>/section/<key>.ics")
    def section(token: str, key: str) -> Response:
        body = feeds.get(key)
        if body is None:
            abort(404)
        return Response(body, content_type="text/calendar; charset=utf-8")

    return app
