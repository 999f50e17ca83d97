"""The export, feeds and mails stay byte for byte what readers got before.

``tests/data/outputs.sha256`` holds the SHA-256 of every file that
``scripts/outputs`` wrote at commit 79dc545, before the issue 13 refactoring
(sample note, then version 2: export JSON and CSV, 76 feeds each, the mails of
two reminder passes and a digest; since issue 16 also the reminders of series that
turned late or stalled, and the digests' section of them). A change that alters any
of them fails here;
after an intended change, write the manifest anew from the script's output
(``cd OUT && find . -type f | sort | xargs sha256sum``) and say why in the commit.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "tests" / "data" / "outputs.sha256"


def manifest(text: str) -> dict[str, str]:
    return {name: digest for digest, name in (line.split("  ", 1) for line in text.splitlines())}


def test_export_feeds_and_mails_are_byte_identical(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "outputs"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    expected = manifest(MANIFEST.read_text())
    got = {
        f"./{path.relative_to(tmp_path)}": hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(tmp_path.rglob("*"))
        if path.is_file()
    }
    assert sorted(got) == sorted(expected)
    assert [name for name in expected if got[name] != expected[name]] == []
    assert sum(1 for name in got if "/mails/" in name) == 60
