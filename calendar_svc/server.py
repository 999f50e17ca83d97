"""gunicorn's configuration in production, taken from calendar-svc's settings.

    CALENDAR_SVC_CONFIG=/etc/calendar-svc.toml gunicorn -c python:calendar_svc.server

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
