"""The imported versions of the note, what each changed, and uploading a new one.

An upload is previewed first: the import runs in a transaction that is rolled
back, and the page shows what it would change. Importing then runs it again
on the same bytes (kept under their SHA-256 meanwhile) and commits.

A scan is read by OCR in the background (``calendar_svc.ingest.readings``):
the upload answers with a page that shows how many pages are read and asks
for itself again until the preview can take its place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
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
from werkzeug.utils import secure_filename

from calendar_svc.events.history import document_changes, documents_newest_first, revision_counts
from calendar_svc.extensions import get_session, get_writer_session, request_now, services
from calendar_svc.ingest.errors import IngestError
from calendar_svc.ingest.importer import import_note
from calendar_svc.ingest.note import Note
from calendar_svc.ingest.pending import PendingUploads
from calendar_svc.ingest.readings import BackgroundReadings, Failed, Progress
from calendar_svc.ingest.report import ImportReport
from calendar_svc.ingest.source import SourceFile, load_note, source_of
from calendar_svc.web.auth import editor_required
from models import DocumentFormat, DocumentVersion

blueprint = Blueprint("documents", __name__, url_prefix="/documents")

#: Seconds between two requests of the page that shows a scan's reading.
REFRESH = 3


@blueprint.get("")
def index() -> ResponseReturnValue:
    return _index()


def _index(error: str | None = None) -> str:
    session = get_session()
    return render_template(
        "documents.html",
        documents=documents_newest_first(session),
        counts=revision_counts(session),
        error=error,
    )


@blueprint.get("/<int:document_id>")
def show(document_id: int) -> ResponseReturnValue:
    session = get_session()
    document = session.get(DocumentVersion, document_id)
    if document is None:
        abort(404)
    done = document_changes(session, document)
    return render_template(
        "document.html",
        document=document,
        previous=done.previous,
        first=done.created_by_section if done.previous is None else None,
        changes=done.changes,
        conflicts=done.conflicts,
    )


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
        source = source_of(data, Path(filename))
        if _is_scan(source):
            digest = _pending().save(data, now=request_now())
            _readings().start(source, max_pages=services().settings.ingest.max_pages)
            query: dict[str, Any] = _query(filename, options)
            return redirect(url_for(".reading", digest=digest, **query), 303)
        report = _import(data, filename, options, commit=False)
    except IngestError as exc:
        return _index(str(exc)), 400
    digest = _pending().save(data, now=request_now())
    return render_template(
        "upload_preview.html", report=report, digest=digest, filename=filename, options=options
    )


@blueprint.get("/reading/<digest>")
@editor_required
def reading(digest: str) -> ResponseReturnValue:
    """How far the reading of an uploaded scan is; its preview once it is read."""
    filename = secure_filename(request.args.get("filename", "")) or "note"
    options = _options(request.args)
    readings = _readings()
    try:
        state = readings.state(digest)
        if state is None:  # the server restarted meanwhile: read it again
            source = source_of(_pending().load(digest), Path(filename))
            readings.start(source, max_pages=services().settings.ingest.max_pages)
            state = Progress(0, None)
        if isinstance(state, Failed):
            return _index(state.reason), 400
        if isinstance(state, Progress):
            return render_template(
                "reading.html", progress=state, filename=filename, refresh=REFRESH
            )
        report = _import(_pending().load(digest), filename, options, commit=False, note=state)
    except IngestError as exc:
        return _index(str(exc)), 400
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
        read = _readings().state(digest)
        note = read if isinstance(read, Note) else None
        report = _import(
            pending.load(digest), filename, _options(request.form), commit=True, note=note
        )
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


def _query(filename: str, options: dict[str, Any]) -> dict[str, str]:
    """The upload's name and options as the reading page's query (see :func:`_options`)."""
    query = {"filename": filename}
    if options["symbol"]:
        query["symbol"] = options["symbol"]
    if options["document_date"]:
        query["document_date"] = options["document_date"].isoformat()
    if options["replace"]:
        query["replace"] = "on"
    return query


def _import(
    data: bytes,
    filename: str,
    options: dict[str, Any],
    *,
    commit: bool,
    note: Note | None = None,
) -> ImportReport:
    """Run the import of ``data`` in one transaction; roll it back unless ``commit``.

    Args:
        note: the note already read from ``data`` (a scan read in the background).
    """
    source = source_of(data, Path(filename))
    limits = services().settings.ingest
    if note is None:
        note = load_note(source, max_pages=limits.max_pages)
    session = get_writer_session()
    with session.begin():
        report = import_note(
            session,
            source,
            note,
            now=request_now(),
            review_below=limits.ocr_review_below,
            **options,
        )
        if not commit:
            session.rollback()
    return report


def _is_scan(source: SourceFile) -> bool:
    if source.format is not DocumentFormat.PDF:
        return False
    # Imported when a PDF is uploaded: numpy and pdfium are no cost a page should pay.
    from calendar_svc.ingest.scan import is_scan

    return is_scan(source.data)


def _pending() -> PendingUploads:
    return PendingUploads(Path(current_app.instance_path) / "uploads")


def _readings() -> BackgroundReadings:
    # A key of its own, derived from the app's: the readings are signed with it.
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = hashlib.sha256(b"scan-readings:" + secret).digest()
    return BackgroundReadings(Path(current_app.instance_path) / "uploads", key)
