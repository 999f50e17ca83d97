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


def register(app: Flask) -> None:
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response
