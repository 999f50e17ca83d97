"""Importing a version of the note: the checks, the order of versions, then
reconciling its rows with the stored events and storing the outcome.

Reading the file is done before (:func:`~calendar_svc.ingest.source.load_note`);
:mod:`calendar_svc.ingest.reconcile` decides what the note does to the stored
events, and :mod:`calendar_svc.ingest.store` writes it. :func:`import_note`
flushes and never commits: the caller's transaction makes the whole import
one write (``--dry-run`` rolls it back).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from calendar_svc.ingest.drafts import EventDraft, draft_events
from calendar_svc.ingest.errors import DocumentConflict, UnreadableDocument
from calendar_svc.ingest.note import MAX_SYMBOL, Note
from calendar_svc.ingest.reconcile import Conflict, Creation, ImportPlan, Removal, Update
from calendar_svc.ingest.report import EventChange, ImportReport
from calendar_svc.ingest.source import SourceFile
from calendar_svc.ingest.store import store_events, store_sections
from models import DocumentVersion, RevisionKind
from models.source import SourceRef
from models.window import Window, out_of_bounds

#: The longest file name kept with a version (the length of its column).
MAX_FILENAME = 500


def import_note(
    session: Session,
    source: SourceFile,
    note: Note,
    *,
    now: dt.datetime,
    symbol: str | None = None,
    document_date: dt.date | None = None,
    replace: bool = False,
    review_below: float | None = None,
) -> ImportReport:
    """Store a version of the note, matching its rows to the events already known.

    Args:
        session: the caller's session; this function flushes, never commits.
        source: the file (its bytes give the hash).
        note: the note read from it (:func:`~calendar_svc.ingest.source.load_note`).
        now: the import's timestamp.
        symbol, document_date: override or supply what the header lacks.
        replace: accept a file whose symbol is already imported with other
            bytes, as a corrected re-issue.
        review_below: list the rows read by OCR whose date cell's confidence
            is under this (0-100) in the report's ``to_review`` (setting
            ``ingest.ocr_review_below``); None lists none.

    Raises:
        UnreadableDocument: no symbol or date in the header and none given, a
            date given outside ``models.window.BOUNDS``, a symbol given or a file
            name longer than its column.
        DocumentConflict: the symbol is imported with other bytes (and not
            ``replace``), or the note is older than one already imported.
    """
    symbol = symbol or note.symbol
    document_date = document_date or note.document_date
    where = source.path.name
    if not symbol:
        raise UnreadableDocument(f"{where}: no document symbol in the header; pass --symbol")
    if document_date is None:
        raise UnreadableDocument(f"{where}: no 'Brussels, <date>' in the header; pass --date")
    if problem := out_of_bounds(Window(document_date, document_date)):
        # Only a date given with the file can be (the header's is read by the parser).
        raise UnreadableDocument(f"{where}: the note's date {problem}")
    # Only what is given with the file can be longer (the header's is not read then).
    if len(symbol) > MAX_SYMBOL:
        raise UnreadableDocument(
            f"{where}: the symbol is {len(symbol):,} characters long; it has at most {MAX_SYMBOL}"
        )
    if len(where) > MAX_FILENAME:
        raise UnreadableDocument(
            f"{where[:40]}...: the file name is {len(where):,} characters long;"
            f" it has at most {MAX_FILENAME}"
        )
    report = ImportReport(symbol, document_date, where, source.sha256, review_below=review_below)

    same_bytes = session.scalar(select(DocumentVersion).filter_by(sha256=source.sha256))
    if same_bytes is not None:
        report.imported = False
        report.document_id = same_bytes.id
        report.symbol = same_bytes.symbol
        report.previous_import = same_bytes.imported_at
        return report
    replaced = _check_order(session, symbol, document_date, replace)
    document = DocumentVersion(
        symbol=symbol,
        document_date=document_date,
        sha256=source.sha256,
        filename=where,
        size_bytes=len(source.data),
        format=source.format,
        previous_symbol=note.previous_symbol,
        replaces_id=replaced.id if replaced else None,
        imported_at=now,
    )
    session.add(document)
    session.flush()
    report.document_id = document.id

    drafts = draft_events(note)
    report.notices.extend(note.notices)
    section_ids, report.new_sections = store_sections(session, note, now=now)
    report.sections = len(note.sections)
    plan = store_events(session, document, drafts, section_ids, now=now)
    _summarise(report, plan, document)
    return report


def _check_order(
    session: Session, symbol: str, document_date: dt.date, replace: bool
) -> DocumentVersion | None:
    """Refuse a symbol clash or an older note; return the version a re-issue replaces."""
    same_symbol = session.scalars(
        select(DocumentVersion).filter_by(symbol=symbol).order_by(DocumentVersion.id.desc())
    ).first()
    if same_symbol is not None and not replace:
        raise DocumentConflict(
            f"{symbol} was already imported from other bytes ({same_symbol.filename},"
            f" {same_symbol.imported_at:%Y-%m-%d %H:%M} UTC); pass --replace if this is a"
            " corrected re-issue"
        )
    latest = session.scalars(
        select(DocumentVersion).order_by(DocumentVersion.document_date.desc())
    ).first()
    if latest is not None and document_date < latest.document_date and latest is not same_symbol:
        raise DocumentConflict(
            f"{symbol} of {document_date:%d %B %Y} is older than {latest.symbol} of"
            f" {latest.document_date:%d %B %Y}, already imported: import versions in order"
        )
    return same_symbol


def _summarise(report: ImportReport, plan: ImportPlan, document: DocumentVersion) -> None:
    """Fill in the report: what the drafts say, and what the plan did with them."""
    for draft in plan.drafts:
        report.by_precision[draft.precision.value] += 1
        report.by_status[draft.status.value] += 1
        report.occurrences += len(draft.windows)
        if draft.problem:
            report.unreadable.append((_place(document, draft), draft.raw_date, draft.problem))
        if draft.date_note:
            report.inferred.append((_place(document, draft), draft.raw_date, draft.date_note))
        if draft.ocr_confidence is not None:
            report.ocr_rows += 1
            if report.review_below is not None and draft.ocr_confidence < report.review_below:
                report.to_review.append(
                    (_place(document, draft), draft.raw_date, draft.ocr_confidence)
                )
    report.events = len(plan.drafts)
    report.unchanged = plan.unchanged
    for creation in plan.of(Creation):
        draft = creation.draft
        place = _place(document, draft)
        report.created.append(
            EventChange(creation.uid, draft.section.slug, draft.title, place, ("new",), {})
        )
    for change in plan.of(Update):
        draft = change.draft
        listed = report.restored if change.kind is RevisionKind.RESTORED else report.updated
        listed.append(
            EventChange(
                change.event.uid,
                draft.section.slug,
                draft.title,
                _place(document, draft),
                change.labels,
                change.changes,
            )
        )
    for removal in plan.of(Removal):
        event = removal.event
        report.removed.append(
            EventChange(
                event.uid,
                event.section_slug,
                event.note.values["title"],
                None,
                removal.labels,
                removal.changes,
            )
        )
    for conflict in plan.of(Conflict):
        event = conflict.event
        report.conflicts.append(
            EventChange(
                event.uid,
                event.section_slug,
                conflict.note.values["title"],
                None,
                ("edited by hand",),
                conflict.changes,
            )
        )


def _place(document: DocumentVersion, draft: EventDraft) -> str:
    """Where a row stands, as the import's summary names it: "line 812, table 31 row 4"."""
    return SourceRef(
        document.symbol, document.format, draft.table, draft.row, draft.line, draft.page
    ).place
