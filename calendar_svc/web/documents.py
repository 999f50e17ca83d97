"""The imported versions of the note, what each changed, and uploading a new one.

An upload is previewed first: the import runs in a transaction that is rolled
back, and the page shows what it would change. Importing then runs it again
on the same bytes (kept under their SHA-256 meanwhile) and commits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload
from werkzeug.utils import secure_filename

from calendar_svc.extensions import get_session, get_writer_session, request_now, services
from calendar_svc.ingest.errors import IngestError
from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.pending import PendingUploads
from calendar_svc.ingest.report import ImportReport
from calendar_svc.ingest.source import load_note, source_of
from calendar_svc.web.auth import editor_required
from models import DocumentVersion, Event, EventConflict, EventRevision, RevisionKind, Section

blueprint = Blueprint("documents", __name__, url_prefix="/documents")
#: The headings of a document's changes, in the order the page shows them.
CHANGE_KINDS = ("new", "confirmed", "cancelled", "changed", "listed again", "removed")


@blueprint.get("")
def index() -> ResponseReturnValue:
    return _index()


def _index(error: str | None = None) -> str:
    session = get_session()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for document_id, kind, n in session.execute(
        select(EventRevision.document_version_id, EventRevision.kind, func.count())
        .where(EventRevision.document_version_id.is_not(None))
        .group_by(EventRevision.document_version_id, EventRevision.kind)
    ):
        assert document_id is not None  # the query leaves out revisions of no document
        counts[document_id][kind.value] = n
    documents = session.scalars(
        select(DocumentVersion).order_by(
            DocumentVersion.document_date.desc(), DocumentVersion.id.desc()
        )
    ).all()
    return render_template("documents.html", documents=documents, counts=counts, error=error)


@blueprint.get("/<int:document_id>")
def show(document_id: int) -> ResponseReturnValue:
    session = get_session()
    document = session.get(DocumentVersion, document_id)
    if document is None:
        abort(404)
    previous = session.scalar(
        select(DocumentVersion)
        .where(DocumentVersion.id < document.id)
        .order_by(DocumentVersion.id.desc())
    )
    if previous is None:
        # The first version: every event is new, so the page counts them by section.
        counts = session.execute(
            select(Section, func.count())
            .join(Event, Event.section_id == Section.id)
            .join(EventRevision, EventRevision.event_id == Event.id)
            .where(
                EventRevision.document_version_id == document.id,
                EventRevision.kind == RevisionKind.CREATED,
            )
            .group_by(Section.id)
            .order_by(Section.position)
        ).all()
        return render_template("document.html", document=document, first=counts)
    revisions = session.scalars(
        select(EventRevision)
        .join(EventRevision.event)
        .join(Event.section)
        .options(contains_eager(EventRevision.event).contains_eager(Event.section))
        .where(EventRevision.document_version_id == document.id)
        .order_by(Section.position, Event.position, Event.id)
    ).all()
    changes: dict[str, list[EventRevision]] = {kind: [] for kind in CHANGE_KINDS}
    for revision in revisions:
        changes[change_kind(revision)].append(revision)
    conflicts = session.scalars(
        select(EventConflict)
        .where(EventConflict.document_version_id == document.id)
        .options(joinedload(EventConflict.event).joinedload(Event.section))
        .order_by(EventConflict.id)
    ).all()
    return render_template(
        "document.html",
        document=document,
        previous=previous,
        changes=changes,
        conflicts=conflicts,
        first=None,
    )


def change_kind(revision: EventRevision) -> str:
    """Which heading of a document's diff a revision goes under."""
    if revision.kind is RevisionKind.CREATED:
        return "new"
    if revision.kind is RevisionKind.REMOVED:
        return "removed"
    if revision.kind is RevisionKind.RESTORED:
        return "listed again"
    if {"cancelled", "postponed"} & set(revision.labels):
        return "cancelled"
    if "date confirmed" in revision.labels:
        return "confirmed"
    return "changed"


@blueprint.post("/upload")
@editor_required
def upload() -> ResponseReturnValue:
    """Preview an uploaded note: import it, show what changed, roll back."""
    upload = request.files.get("note")
    if upload is None or not upload.filename:
        return _index("choose the note's file to upload"), 400
    data = upload.stream.read(services().settings.ingest.max_bytes + 1)
    if len(data) > services().settings.ingest.max_bytes:
        return _index("the file is larger than the setting ingest.max_bytes allows"), 400
    options = _options(request.form)
    filename = secure_filename(upload.filename) or "note"
    try:
        report = _import(data, filename, options, commit=False)
    except IngestError as exc:
        return _index(str(exc)), 400
    digest = _pending().save(data, now=request_now())
    return render_template(
        "upload_preview.html", report=report, digest=digest, filename=filename, options=options
    )


@blueprint.post("/import")
@editor_required
def import_upload() -> ResponseReturnValue:
    """Import a previewed upload for good."""
    digest = request.form.get("digest", "")
    filename = secure_filename(request.form.get("filename", "")) or "note"
    pending = _pending()
    try:
        report = _import(pending.load(digest), filename, _options(request.form), commit=True)
    except IngestError as exc:
        return _index(str(exc)), 400
    pending.discard(digest)
    if not report.imported:
        flash(f"{report.symbol} was already imported; nothing to do.")
    else:
        flash(f"Imported {report.symbol}.")
    return redirect(url_for("documents.show", document_id=report.document_id))


def _options(form: Any) -> dict[str, Any]:
    date_text = form.get("document_date", "").strip()
    try:
        document_date = dt.date.fromisoformat(date_text) if date_text else None
    except ValueError:
        abort(400, "the note's date is YYYY-MM-DD")
    return {
        "symbol": form.get("symbol", "").strip() or None,
        "document_date": document_date,
        "replace": form.get("replace") == "on",
    }


def _import(data: bytes, filename: str, options: dict[str, Any], *, commit: bool) -> ImportReport:
    """Run the import of ``data`` in one transaction; roll it back unless ``commit``."""
    source = source_of(data, Path(filename))
    note = load_note(source, max_pages=services().settings.ingest.max_pages)
    session = get_writer_session()
    with session.begin():
        report = import_note(session, source, note, now=request_now(), **options)
        if not commit:
            session.rollback()
    return report


def _pending() -> PendingUploads:
    return PendingUploads(Path(current_app.instance_path) / "uploads")
