"""Fixtures for driving the real ``calendar-svc`` command against a database file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A fresh SQLite file: commands commit, so they get their own database."""
    return f"sqlite:///{tmp_path / 'cli.sqlite3'}"


@pytest.fixture
def run(database: str, tmp_path: Path) -> Run:
    """Run the installed ``calendar-svc`` console script as a user would."""
    script = shutil.which("calendar-svc", path=str(Path(sys.executable).parent))
    assert script, "calendar-svc is not installed in this environment"

    def call(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("CALENDAR_SVC_")} | (
            env or {}
        )
        return subprocess.run(
            [script, "--db", database, *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=environment,
            check=False,
            timeout=120,
        )

    return call
