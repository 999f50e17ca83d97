"""Security headers on every response.

No page runs script, so the policy allows none; pages cannot be framed (an
editor's buttons cannot be clicked through another site), and no Referer
leaves the site (page addresses carry uids and tokens).
"""

from __future__ import annotations

from flask import Flask, Response

POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self';"
    " frame-ancestors 'none'; base-uri 'none'"
)


#: Added to every response that has not set its own.
HEADERS = (
    ("Content-Security-Policy", POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)


def register(app: Flask) -> None:
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    # One pass over the response's headers, not one per name (``setdefault``):
    # this runs for every feed request a calendar client makes.
    own = {name.lower() for name, _ in response.headers}
    response.headers.extend((name, value) for name, value in HEADERS if name.lower() not in own)
    return response
