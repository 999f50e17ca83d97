"""What an import did, and its text form for the command line."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from models import Precision

#: Longest title shown in a change line.
TITLE_WIDTH = 70


@dataclass(frozen=True)
class EventChange:
    uid: str
    section: str
    title: str
    #: Where the row stands in the note ("line 812, table 31 row 4"); None when removed.
    where: str | None
    labels: tuple[str, ...]
    #: Field -> (old, new).
    changes: dict[str, tuple[Any, Any]]


@dataclass
class ImportReport:
    symbol: str
    document_date: dt.date
    filename: str
    sha256: str
    #: False when the same bytes were imported before and nothing was done.
    imported: bool = True
    #: The stored version (the earlier one when the same bytes were imported before).
    document_id: int | None = None
    previous_import: dt.datetime | None = None
    sections: int = 0
    new_sections: list[str] = field(default_factory=list)
    events: int = 0
    occurrences: int = 0
    created: list[EventChange] = field(default_factory=list)
    updated: list[EventChange] = field(default_factory=list)
    removed: list[EventChange] = field(default_factory=list)
    restored: list[EventChange] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[EventChange] = field(default_factory=list)
    by_precision: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    #: (where, date cell, why) for every cell that could not be read.
    unreadable: list[tuple[str, str, str]] = field(default_factory=list)
    #: (where, date cell, how) for every year taken from neighbouring rows.
    inferred: list[tuple[str, str, str]] = field(default_factory=list)
    #: Rows read by OCR (from a scan), of ``events``.
    ocr_rows: int = 0
    #: The OCR confidence (0-100) under which a date cell is listed in
    #: ``to_review`` (setting ``ingest.ocr_review_below``); None: none listed.
    review_below: float | None = None
    #: (where, date cell, confidence) for every row read by OCR whose date cell's
    #: confidence is under ``review_below``, in the note's order.
    to_review: list[tuple[str, str, float]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def first_import(self) -> bool:
        return not (
            self.updated or self.removed or self.restored or self.unchanged or self.conflicts
        )


def render(report: ImportReport, *, dry_run: bool = False) -> str:
    """The summary printed by ``calendar-svc ingest``."""
    head = f"{report.symbol} of {report.document_date:%-d %B %Y} ({report.filename})"
    if not report.imported:
        when = (
            f"{report.previous_import:%Y-%m-%d %H:%M} UTC" if report.previous_import else "before"
        )
        return f"{head}: already imported ({when}); nothing to do\n"
    lines = [f"{head}: {'dry run, nothing written' if dry_run else 'imported'}"]
    lines.append(f"  sections: {report.sections} ({len(report.new_sections)} new)")
    lines.append(
        f"  events: {report.events} ({len(report.created)} new, {len(report.updated)} changed,"
        f" {report.unchanged} unchanged, {len(report.removed)} removed,"
        f" {len(report.restored)} listed again)"
    )
    lines.append(f"  occurrences: {report.occurrences}")
    order = [p.value for p in Precision]
    lines.append("  precision: " + _counts(report.by_precision, order))
    lines.append(
        "  status: "
        + _counts(report.by_status, ["confirmed", "tentative", "cancelled", "postponed"])
    )
    lines.append(f"  unreadable date cells: {len(report.unreadable) or 'none'}")
    lines.extend(f"    {where}: {cell!r}: {why}" for where, cell, why in report.unreadable)
    lines.append(f"  years inferred: {len(report.inferred) or 'none'}")
    lines.extend(f"    {where}: {cell!r}: {how}" for where, cell, how in report.inferred)
    if report.ocr_rows:
        lines.append(_ocr_line(report))
        lines.extend(
            # One decimal: a cell of 79.6% is under 80%, as its line should show.
            f"    {where}: {cell!r}: {confidence:.1f}% confidence"
            for where, cell, confidence in report.to_review
        )
    lines.append(f"  conflicts with hand edits: {len(report.conflicts) or 'none'}")
    lines.extend("    " + _change("!", c) for c in report.conflicts)
    for notice in report.notices:
        lines.append(f"  notice: {notice}")
    changes = [*report.updated, *report.restored, *report.removed]
    if not report.first_import:
        changes = [*report.created, *changes]
    if changes:
        lines.append("changes:")
        marks = {"new": "+", "removed": "-"}
        for change in changes:
            lines.append("  " + _change(marks.get(change.labels[0], "~"), change))
    return "\n".join(lines) + "\n"


def _ocr_line(report: ImportReport) -> str:
    """How many rows were read from a scan, and how many date cells to check.

    >>> report = ImportReport("5484/24", dt.date(2024, 2, 6), "scan.pdf", "0" * 64)
    >>> report.ocr_rows, report.review_below = 812, 80
    >>> report.to_review = [("p. 12, table 31 row 4", "Q1 2O24 (tbc)", 41.5)]
    >>> _ocr_line(report)
    '  read by OCR: 812 rows; date cells to check (under 80% confidence): 1'
    """
    line = f"  read by OCR: {report.ocr_rows} rows"
    if report.review_below is None:
        return line
    return (
        f"{line}; date cells to check (under {report.review_below:g}% confidence):"
        f" {len(report.to_review)}"
    )


def _counts(counter: Counter[str], order: list[str]) -> str:
    return ", ".join(f"{key} {counter[key]}" for key in order if counter[key]) or "none"


def _change(mark: str, change: EventChange) -> str:
    title = (
        change.title if len(change.title) <= TITLE_WIDTH else change.title[: TITLE_WIDTH - 1] + "…"
    )
    where = f" {change.where}" if change.where else ""
    text = f"{mark} {change.section}{where}: {title} [{', '.join(change.labels)}]"
    details = [
        f"{name}: {_show(old)} -> {_show(new)}"
        for name, (old, new) in change.changes.items()
        if name in {"raw_date", "status", "title", "location"}
    ]
    return text + ("; " + "; ".join(details) if details else "")


def _show(value: Any) -> str:
    if value is None:
        return "-"
    return repr(getattr(value, "value", value))
