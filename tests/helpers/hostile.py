"""Notes with one hostile cell, made from the good fixtures as an attacker might.

The cells are those of issue findings 3 and 8: a chain of modifiers that
once exhausted the parser's stack, and a list of years that once took it
minutes. Each note is the second version (``note_v2``, not yet imported by
the fixtures) with the date cell, title or outcome of one row replaced: the
10th EU-Serbia Joint Readmission Committee's.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from tests.helpers.data import V2
from tests.helpers.documents import V2_DOCX

#: "early " 2,000 times: RecursionError (a 500, a traceback) before the parser was bounded.
RECURSION_CELL = "early " * 2000 + "2024"
#: 100 kB of "2024, ": about a minute and a half of parsing before.
QUADRATIC_CELL = "2024, " * 16_667
CELLS = {"recursion": RECURSION_CELL, "quadratic": QUADRATIC_CELL}
#: The row whose cells are replaced, and its cells in the text form of v2.
ROW = "10 th EU-Serbia Joint"
DATE, TITLE = "19 March 2024", "10 th EU-Serbia Joint Readmission Committee meeting, Belgrade"


def row_line() -> int:
    """The 1-based line of the row in ``note_v2.txt``."""
    lines = V2.read_text(encoding="utf-8").split("\n")
    return next(n for n, line in enumerate(lines, start=1) if ROW in line)


def text_note(*, date: str = DATE, title: str = TITLE, outcome: str | None = None) -> bytes:
    """``note_v2.txt`` with the row's date cell, title or outcome replaced."""
    lines = V2.read_text(encoding="utf-8").split("\n")
    index = row_line() - 1
    cells = lines[index].split("\t")
    assert cells[:2] == [DATE, TITLE], cells
    cells[0], cells[1] = date, title
    if outcome is not None:
        cells[2] = outcome
    lines[index] = "\t".join(cells)
    return "\n".join(lines).encode()


def word_note(*, date: str) -> bytes:
    """``note_v2.docx`` with the row's date cell replaced (the cell is one run)."""
    with zipfile.ZipFile(V2_DOCX) as source:
        parts = {info: source.read(info) for info in source.infolist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in parts.items():
            if info.filename == "word/document.xml":
                xml = data.decode()
                at = xml.rindex(f"<w:t>{DATE}</w:t>", 0, xml.index(ROW))
                xml = xml[:at] + f"<w:t>{date}</w:t>" + xml[at + len(f"<w:t>{DATE}</w:t>") :]
                data = xml.encode()
            target.writestr(info, data)
    return out.getvalue()


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path
