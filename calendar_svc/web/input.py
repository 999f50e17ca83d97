"""The input guard: no control character reaches a view from a URL or a form.

Before anything else runs for a request (before the user is loaded, before
routing errors are answered), the path, every query parameter (name and
value), every form field and every uploaded file's name are checked for
control characters (``models.text``: C0, DEL, C1). One is answered 400 with
a page (or, under ``/api/``, the API's JSON error) naming where it was; no
view, query or template sees it. NUL would otherwise be a 500 on PostgreSQL
(its text type cannot hold it) and the rest would be stored and handed to
calendars, mails and terminals.

TAB and line breaks (LF, CR: browsers send a text area's lines as CRLF) are
allowed in the values of the form fields that are text areas
(:data:`MULTILINE_FIELDS`) and nowhere else: no path, query parameter or
one-line field needs them. The secret links (feeds, unsubscribe) are checked
like every other URL, so a control character in a token is a 400 before the
token is looked up: the answer says nothing about whether a token exists.
"""

from __future__ import annotations

import re

from flask import Flask, request
from werkzeug.exceptions import BadRequest

from models.text import describe, find_control

#: Form fields that are text areas (an event's outcome): their values may hold
#: TAB and line breaks.
MULTILINE_FIELDS = frozenset({"outcome"})
MULTILINE_CONTROLS = "\t\n\r"
#: A field's name is repeated in the message only if it looks like one of ours.
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def register(app: Flask) -> None:
    """Install the guard as the app's first ``before_request`` function."""
    # First, so that no other hook (loading the signed-in user, the sign-in
    # redirect that copies the path into ?next=, the API's token check) sees
    # the input either.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_control_characters)


def refuse_control_characters() -> None:
    """Raise 400 if the request's path, query or form holds a control character.

    Raises:
        BadRequest: with a one-line description saying where.
    """
    _check(request.path, "The address")
    for name, value in request.args.items(multi=True):
        _check(name, "A parameter's name in the address")
        _check(value, f"The address's parameter {_name(name)}")
    if not request.want_form_data_parsed:
        return  # no Content-Type, no form: and no form parser made for a feed's GET
    for name, value in request.form.items(multi=True):
        _check(name, "A form field's name")
        allowed = MULTILINE_CONTROLS if name in MULTILINE_FIELDS else ""
        _check(value, f"The form field {_name(name)}", allowed)
    for name, upload in request.files.items(multi=True):
        _check(name, "A form field's name")
        _check(upload.filename or "", f"The name of the file in {_name(name)}")


def _check(text: str, where: str, allowed: str = "") -> None:
    index = find_control(text, allowed)
    if index is not None:
        raise BadRequest(
            f"{where} holds a control character ({describe(text[index])}),"
            " which nothing here accepts. Remove it and try again."
        )


def _name(name: str) -> str:
    return f"'{name}'" if _PLAIN_NAME.match(name) else "(unnamed)"
