"""The wiring views share: one now per request, and no Flask below the views."""

from __future__ import annotations

import subprocess
import sys

import pytest
from flask.testing import FlaskClient

from tests.helpers.sites import Site


@pytest.mark.parametrize("path", ["/", "/sections/serbia", "/api/v1/events?section=serbia"])
def test_a_request_reads_the_clock_once(site: Site, editor: FlaskClient, path: str) -> None:
    """Every part of a request (sign-in check, view, templates) sees the same moment."""
    site.clock.reads = 0
    response = editor.get(path)
    assert response.status_code == 200, response.text
    assert site.clock.reads == 1


def test_importing_a_domain_module_loads_no_flask() -> None:
    """A fresh interpreter: this one has Flask loaded by the tests."""
    code = (
        "import sys, calendar_svc.ingest.dates, calendar_svc.ingest.importer,"
        " calendar_svc.events.editing;"
        " print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'flask_wtf')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout == "[]\n"
