"""A browser's side of talking to a real server on loopback, and the app such tests serve.

:class:`Browser` keeps cookies (in :attr:`Browser.jar`), follows no redirect,
and posts forms and file uploads as a browser does
(``application/x-www-form-urlencoded``, ``multipart/form-data``); paths are
sent exactly as given, so a test can put ``%00`` where it likes. It signs in
and out through the public forms, and :meth:`Browser.replay` gives another
client holding copies of its cookies (a kept or stolen cookie).

:func:`create_app` is the app for gunicorn::

    gunicorn 'tests.calendar_svc.web.loopback:create_app()'

over ``CALENDAR_SVC_DATABASE_URL``. If ``LOOPBACK_INSTANCE`` is set, it is
the instance folder (uploads waiting for their import) rather than the
app's default; if ``LOOPBACK_CLOCK`` names a file, "now" is read from that
file at each request (:func:`set_clock`), so a test moves time for every
worker without sleeping.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from http.cookiejar import CookieJar
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from flask import Flask

#: Not CALENDAR_SVC_*: the settings refuse variables of their prefix they do not know.
INSTANCE_ENV = "LOOPBACK_INSTANCE"
CLOCK_ENV = "LOOPBACK_CLOCK"
APP = "tests.calendar_svc.web.loopback:create_app()"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def create_app() -> Flask:
    """The app over ``CALENDAR_SVC_DATABASE_URL``, with the test's instance folder and clock
    when ``LOOPBACK_INSTANCE`` and ``LOOPBACK_CLOCK`` name them."""
    from calendar_svc.app import create_app as create
    from calendar_svc.app import wall_clock

    clock_file = os.environ.get(CLOCK_ENV)

    def clock() -> dt.datetime:
        assert clock_file
        return dt.datetime.fromisoformat(Path(clock_file).read_text().strip())

    app = create(clock=clock if clock_file else wall_clock)
    instance = os.environ.get(INSTANCE_ENV)
    if instance:
        app.instance_path = instance
    return app


def set_clock(path: Path, now: dt.datetime) -> None:
    """Make ``now`` the time of the app serving with ``LOOPBACK_CLOCK=path``."""
    temporary = path.with_suffix(".new")
    temporary.write_text(now.isoformat())
    temporary.replace(path)  # a worker never reads half a timestamp


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    @property
    def set_cookies(self) -> list[str]:
        return self.headers.get_all("Set-Cookie") or []


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect is an answer to look at, not to follow


class Browser:
    """A client keeping cookies as a browser does, following no redirect."""

    def __init__(self, base: str, *, timeout: float = 120) -> None:
        self.base = base
        #: Seconds a request may take before it fails on this side.
        self.timeout = timeout
        self.jar = CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def open(
        self,
        path: str,
        *,
        method: str | None = None,
        form: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """``method`` (GET, or POST with a form) on ``path``, sent as it is written."""
        headers = dict(headers or {})
        body = None
        if files is not None:
            body, headers["Content-Type"] = _multipart(form or {}, files)
        elif form is not None:
            body = urlencode(form).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers=headers, method=method
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, error.headers, error.read())

    def form_token(self, path: str = "/login") -> str:
        """The CSRF token of this browser's session, read from a page's form."""
        match = _CSRF.search(self.open(path).text)
        assert match, f"no form token on {path}"
        return match.group(1)

    def sign_in(self, email: str, password: str, **form: str) -> Answer:
        """Post the public sign-in form (``form`` adds fields or replaces them, e.g. ``next``);
        the answer is the caller's to check."""
        fields = {"email": email, "password": password, "csrf_token": self.form_token()}
        return self.open("/login", form=fields | form)

    def sign_out(self) -> Answer:
        """Post the sign-out form of the home page."""
        return self.open("/logout", form={"csrf_token": self.form_token("/")})

    def replay(self) -> Browser:
        """Another client holding copies of this one's cookies (a stolen or kept cookie)."""
        other = Browser(self.base, timeout=self.timeout)
        for cookie in self.jar:
            other.jar.set_cookie(copy.copy(cookie))
        return other

    def cookie(self, name: str) -> str:
        """The value of this browser's one cookie called ``name``."""
        (value,) = (c.value for c in self.jar if c.name == name)
        assert value is not None
        return value


def _multipart(form: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value.encode()
        + b"\r\n"
        for name, value in form.items()
    ]
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
        for name, (filename, data) in files.items()
    ]
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"
