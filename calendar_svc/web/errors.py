"""Error responses. A 404 says nothing: the same short body for a missing page,
a wrong or revoked feed token and an unknown scope, so that probing learns nothing."""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.exceptions import NotFound

from feeds.errors import FeedNotFound

NOT_FOUND_BODY = "Not found\n"


def register(app: Flask) -> None:
    app.register_error_handler(NotFound, not_found)
    app.register_error_handler(FeedNotFound, not_found)


def not_found(_error: Exception) -> Response:
    return Response(NOT_FOUND_BODY, status=404, mimetype="text/plain")
