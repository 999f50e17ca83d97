"""Error responses.

A 404 says nothing: the same short body for a missing page, a wrong or
revoked feed token and an unknown scope, so that probing learns nothing.
Refused forms (400, including a missing or stale CSRF token) and refused
roles (403) get a page saying why. The JSON API answers its own errors.
"""

from __future__ import annotations

from flask import Flask, Response, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from feeds.errors import FeedNotFound

NOT_FOUND_BODY = "Not found\n"
CSRF_MESSAGE = (
    "The form's security token is missing or has expired. Go back, reload the page and try again."
)


def register(app: Flask) -> None:
    app.register_error_handler(NotFound, not_found)
    app.register_error_handler(FeedNotFound, not_found)
    app.register_error_handler(CSRFError, csrf_refused)
    app.register_error_handler(BadRequest, bad_request)
    app.register_error_handler(Forbidden, forbidden)


def not_found(_error: Exception) -> Response:
    return Response(NOT_FOUND_BODY, status=404, mimetype="text/plain")


def csrf_refused(_error: CSRFError) -> ResponseReturnValue:
    return render_template("error.html", title="Form refused", message=CSRF_MESSAGE), 400


def bad_request(error: BadRequest) -> ResponseReturnValue:
    return render_template("error.html", title="Bad request", message=error.description), 400


def forbidden(_error: Forbidden) -> ResponseReturnValue:
    message = "Your role does not allow this. Ask an administrator if you need it."
    return render_template("error.html", title="Not allowed", message=message), 403
