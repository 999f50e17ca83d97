"""The app as the tests build it: its secret key, its services, the feed site."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask

#: Tests run with a known secret key, so no key file is made in the checkout.
SECRET = b"test-secret-key-not-for-production-0123456789"


def services_of(app: Flask) -> Any:
    from calendar_svc.extensions import EXTENSION

    return app.extensions[EXTENSION]


@dataclass
class FeedSite:
    """The web app over a database holding the sample note, with one subscriber."""

    app: Flask
    token: str
    revoked_token: str
    url: str = ""
