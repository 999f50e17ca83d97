"""``/healthz``: whether the app can reach its database and the schema is current."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from calendar_svc.app import services
from calendar_svc.health import database_facts

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> ResponseReturnValue:
    facts = database_facts(services().engine)
    return jsonify(facts), 200 if facts["ok"] else 503
