"""``/healthz``: the facts of ``calendar-svc check``, for load balancers and monitors.

Open to anyone (no sign-in), so it shows only :func:`calendar_svc.ops.health.public_health`:
states and counts, no host, URL, error text or anything from the note.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from calendar_svc.extensions import request_now, services
from calendar_svc.ops.health import public_health
from notifications.mail import SmtpMailer

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> ResponseReturnValue:
    app_services = services()
    mailer = SmtpMailer(app_services.notifications.smtp)
    facts = public_health(app_services.engine, mailer, now=request_now())
    response = jsonify(facts)
    response.status_code = 200 if facts["ok"] else 503
    response.headers["Cache-Control"] = "no-store"
    return response
