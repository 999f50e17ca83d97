"""calendar-svc: the EU external-migration dialogues calendar.

``flask --app calendar_svc`` finds :func:`~calendar_svc.app.create_app` here;
the console script ``calendar-svc`` is :mod:`calendar_svc.cli`. The factory is
imported on first use, so that importing a domain module (the date parser, the
importer) loads no Flask.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from calendar_svc.app import create_app

        return create_app
    raise AttributeError(f"module 'calendar_svc' has no attribute {name!r}")
