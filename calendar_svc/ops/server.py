"""gunicorn's configuration in production, taken from calendar-svc's settings.

    CALENDAR_SVC_CONFIG=/etc/calendar-svc.toml gunicorn -c python:calendar_svc.ops.server

serves ``calendar_svc:create_app()`` on ``[server] host:port`` with
``[server] workers`` worker processes; options on gunicorn's command line
override these. ``calendar-svc serve`` is the one-process development server.
"""

from __future__ import annotations

from calendar_svc.settings import load_settings

_server = load_settings().server

wsgi_app = "calendar_svc:create_app()"
bind = [f"{_server.host}:{_server.port}"]
workers = _server.workers
# An upload's preview and its import each read the whole file: a PDF at the
# page limit (ingest.max_pages, 500) takes about 35 s, more than gunicorn's
# default of 30 s before it kills a silent worker.
timeout = 120
