"""calendar-svc: the EU external-migration dialogues calendar.

``flask --app calendar_svc`` finds :func:`create_app` here; the console script
``calendar-svc`` is :mod:`calendar_svc.cli`.
"""

from calendar_svc.app import create_app

__all__ = ["create_app"]
