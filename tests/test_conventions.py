"""Project conventions that a reviewer would otherwise have to remember."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers.data import DATA, SHARED

ROOT = Path(__file__).resolve().parents[1]
#: The only places allowed to read the clock: the command line, the request edge, the scheduler.
CLOCK_EDGES = {
    "calendar_svc/cli.py",
    "calendar_svc/app.py",
    "notifications/jobs.py",
    "notifications/scheduler.py",
}
CLOCK = re.compile(r"datetime\.(?:now|utcnow|today)\(|date\.today\(|time\.time\(|func\.now\(")


def test_domain_code_takes_time_as_a_parameter() -> None:
    offenders = []
    for package in ("calendar_svc", "models", "feeds", "notifications"):
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if relative in CLOCK_EDGES:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if CLOCK.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.parametrize(
    ("copy", "original"),
    [
        ("note_5484_24.txt", "seeds/000_44588754ff247d3f.txt"),
        ("export.schema.json", "contract/export.schema.json"),
    ],
)
def test_vendored_shared_files_are_identical(copy: str, original: str) -> None:
    source = SHARED / original
    if not source.exists():
        pytest.skip(f"{source} is not on this machine; the copy in tests/data is used")
    assert (DATA / copy).read_bytes() == source.read_bytes()
