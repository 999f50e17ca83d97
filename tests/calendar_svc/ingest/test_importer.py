"""Importing notes into the database: versions, stable uids, revisions, conflicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calendar_svc.ingest.errors import DocumentConflict, UnreadableDocument
from calendar_svc.ingest.report import ImportReport, render
from calendar_svc.ingest.source import load_note, read_source
from models import (
    DocumentVersion,
    Event,
    EventConflict,
    EventRevision,
    Group,
    Occurrence,
    RevisionKind,
    Section,
    Status,
)
from models.snapshot import begin_manual_edit
from tests.helpers.data import MAX_BYTES, SAMPLE, V2

Ingest = Callable[..., ImportReport]
LATER = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)


def count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def event_where(
    session: Session, slug: str, title_start: str, raw_date: str | None = None
) -> Event:
    query = (
        select(Event)
        .join(Event.section)
        .where(Section.slug == slug, Event.title.startswith(title_start))
    )
    if raw_date is not None:
        query = query.where(Event.raw_date == raw_date)
    return session.scalars(query).one()


def test_first_import_stores_every_row_once(
    session: Session, ingest: Ingest, now: dt.datetime
) -> None:
    report = ingest()
    assert report.imported
    assert (report.events, len(report.created), report.sections) == (836, 836, 50)
    assert count(session, Event) == 836
    assert count(session, Section) == 50
    assert count(session, Occurrence) == report.occurrences == 847
    assert count(session, EventRevision) == 836
    uids = session.scalars(select(Event.uid)).all()
    assert len(set(uids)) == 836
    document = session.scalars(select(DocumentVersion)).one()
    assert (document.symbol, document.document_date, document.previous_symbol) == (
        "5484/24",
        dt.date(2024, 2, 6),
        "11434/23",
    )
    assert document.imported_at == now
    assert report.by_status == {"confirmed": 803, "tentative": 30, "cancelled": 2, "postponed": 1}
    assert len(report.inferred) == 10
    assert report.unreadable == []


def test_the_stored_event_carries_its_source_and_date_facts(
    session: Session, ingest: Ingest
) -> None:
    ingest()
    jrc = event_where(session, "serbia", "10 th EU-Serbia Joint Readmission")
    assert (jrc.raw_date, jrc.status, jrc.precision.value, jrc.confidence.value) == (
        "Q1 2024 (tbc)",
        Status.TENTATIVE,
        "quarter",
        "tentative",
    )
    assert [(o.start, o.end) for o in jrc.occurrences] == [
        (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    ]
    assert (jrc.document_version.symbol, jrc.source_line, jrc.revision) == ("5484/24", 768, 1)
    assert jrc.source_text.startswith("Q1 2024 (tbc)\t10 th EU-Serbia")
    jordan = event_where(session, "jordan", "The EU- Jordan Subcommittee on Climate")
    assert jordan.date_note == "year 2023 inferred from neighbouring rows"
    nairobi = event_where(session, "khartoum-process", "Thematic Workshop on enhancing")
    assert nairobi.location == "Nairobi"
    sections = session.scalars(select(Section).order_by(Section.position)).all()
    assert [s.slug for s in sections[:3]] == ["cabo-verde", "cameroon", "ethiopia"]
    assert sections[-1].group is Group.GLOBAL_PROCESS


def test_importing_the_same_bytes_again_changes_nothing(session: Session, ingest: Ingest) -> None:
    ingest()
    before = [count(session, m) for m in (DocumentVersion, Event, Occurrence, EventRevision)]
    again = ingest(at=LATER)
    assert not again.imported
    assert again.previous_import is not None
    assert [
        count(session, m) for m in (DocumentVersion, Event, Occurrence, EventRevision)
    ] == before
    assert "already imported" in render(again)


def test_uids_are_the_same_when_the_history_is_replayed(session: Session, ingest: Ingest) -> None:
    savepoint = session.begin_nested()
    ingest()
    first = session.scalars(select(Event.uid).order_by(Event.uid)).all()
    savepoint.rollback()
    assert count(session, Event) == 0
    ingest()
    assert session.scalars(select(Event.uid).order_by(Event.uid)).all() == first


@pytest.fixture
def after_v2(session: Session, ingest: Ingest) -> tuple[dict[str, str], ImportReport]:
    """Import the sample, remember each event's uid by (section, title, date), import v2."""
    ingest()
    uids = {
        f"{e.section.slug}|{e.title}|{e.raw_date}": e.uid for e in session.scalars(select(Event))
    }
    return uids, ingest(V2, at=LATER)


def test_a_second_version_keeps_uids_and_counts_changes(
    session: Session, after_v2: tuple[dict[str, str], ImportReport]
) -> None:
    uids, report = after_v2
    assert report.events == 833
    # tests/data/README.md: eight rows edited (the "March/April (tbc)" row that
    # no edit touches is not among them, issue 12), four added, seven dropped.
    assert (len(report.created), len(report.updated), len(report.removed)) == (4, 8, 7)
    assert report.unchanged == 833 - 4 - 8
    assert count(session, Event) == 836 + 4
    assert count(session, DocumentVersion) == 2
    # Every event that is still listed kept its uid.
    assert len({c.uid for c in report.updated} - set(uids.values())) == 0
    untouched = event_where(session, "cabo-verde", "4th EU-Cabo Verde Joint Readmission")
    assert untouched.uid == uids[f"cabo-verde|{untouched.title}|10 September 2019"]
    assert (untouched.revision, untouched.document_version.symbol) == (1, "9876/24")


@pytest.mark.parametrize(
    ("slug", "title", "raw_date", "status", "labels"),
    [
        (
            "serbia",
            "10 th EU-Serbia Joint Readmission Committee meeting, Belgrade",
            "19 March 2024",
            Status.CONFIRMED,
            ["date confirmed", "title changed", "outcome changed"],
        ),
        (
            "montenegro",
            "8 th EU-Montenegro Joint Readmission Committee meeting",
            "23-24 May 2024",
            Status.CONFIRMED,
            ["date confirmed"],
        ),
        ("egypt", "High Level Migration Dialogue (tbc)", "June 2024", Status.TENTATIVE, ["moved"]),
        (
            "western-balkans",
            "EU-WB JHA SOM",
            "16 April 2024",
            Status.CANCELLED,
            ["cancelled", "outcome changed"],
        ),
        (
            "india",
            "EU-India Summit",
            "Q2/Q3 2024 (tbc)",
            Status.POSTPONED,
            ["postponed", "outcome changed"],
        ),
        (
            "jordan",
            "EU-Jordan Business Forum",
            "23 April 2024",
            Status.CONFIRMED,
            ["date confirmed"],
        ),
        (
            "georgia",
            "EU-Georgia Association Council",
            "20 February 2024",
            Status.CONFIRMED,
            ["outcome changed"],
        ),
        (
            "serbia",
            "Mission of DDG HOME to follow up the EU Action Plan on the Western Balkans",
            "6-7 February 2024",
            Status.CONFIRMED,
            ["title changed"],
        ),
    ],
)
def test_each_change_of_the_second_version_is_one_revision(
    session: Session,
    after_v2: tuple[dict[str, str], ImportReport],
    slug: str,
    title: str,
    raw_date: str,
    status: Status,
    labels: list[str],
) -> None:
    uids, _ = after_v2
    event = event_where(session, slug, title, raw_date)
    assert event.uid in uids.values()
    assert (event.status, event.revision, event.is_removed) == (status, 2, False)
    revision = event.revisions[-1]
    assert (revision.revision, revision.kind, revision.labels) == (2, RevisionKind.UPDATED, labels)
    assert revision.document_version.symbol == "9876/24"
    assert revision.changed_at == LATER
    assert event.updated_at == LATER


def test_confirmed_dates_replace_the_tbc_windows(
    session: Session, after_v2: tuple[dict[str, str], ImportReport]
) -> None:
    jrc = event_where(session, "serbia", "10 th EU-Serbia Joint Readmission Committee meeting,")
    assert [(o.start, o.end) for o in jrc.occurrences] == [(dt.date(2024, 3, 19),) * 2]
    assert jrc.confidence.value == "firm"
    assert jrc.revisions[-1].changes["occurrences"] == [
        [["2024-01-01", "2024-03-31"]],
        [["2024-03-19", "2024-03-19"]],
    ]
    assert jrc.revisions[-1].changes["raw_date"] == ["Q1 2024 (tbc)", "19 March 2024"]


@pytest.mark.usefixtures("after_v2")
def test_rows_and_sections_no_longer_listed_are_removed_not_deleted(session: Session) -> None:
    removed = session.scalars(select(Event).where(Event.is_removed)).all()
    assert sorted(e.section.slug for e in removed) == ["china", "khartoum-process"] + ["russia"] * 5
    china = next(e for e in removed if e.section.slug == "china")
    assert china.title == "Virtual workshop readmission management"
    assert (china.revision, china.revisions[-1].kind) == (2, RevisionKind.REMOVED)
    assert china.document_version.symbol == "5484/24"  # the last note that listed it
    khartoum = next(e for e in removed if e.section.slug == "khartoum-process")
    assert khartoum.title.startswith("Khartoum Process Thematic Meeting on Climate Change")
    twin = event_where(
        session, "khartoum-process", "Thematic Meeting on Climate Change and Migration:"
    )
    assert (twin.is_removed, twin.revision) == (False, 1)
    assert session.scalars(select(Section).filter_by(slug="russia")).one() is not None


def test_new_rows_and_sections_are_created(
    session: Session, after_v2: tuple[dict[str, str], ImportReport]
) -> None:
    _, report = after_v2
    assert sorted((c.section, c.title) for c in report.created) == [
        ("pakistan", "EU-Pakistan Political Dialogue, Islamabad"),
        ("serbia", "11 th EU-Serbia Joint Readmission Committee meeting"),
        ("togo", "First EU-Togo senior officials meeting on migration, Lomé"),
        ("togo", "Technical meeting on readmission"),
    ]
    togo = session.scalars(select(Section).filter_by(slug="togo")).one()
    assert (togo.name, togo.group, togo.iso_code) == ("Togo", Group.AFRICA, "TG")
    assert report.new_sections == ["togo"]


def test_a_row_that_comes_back_is_listed_again_with_its_old_uid(
    session: Session, ingest: Ingest, tmp_path: Path
) -> None:
    ingest()
    china_uid = event_where(session, "china", "Virtual workshop readmission").uid
    ingest(V2, at=LATER)
    v3_text = (
        V2.read_text(encoding="utf-8")
        .replace("Brussels, 15 May 2024", "Brussels, 1 July 2024")
        .replace("\n9876/24\n", "\n9999/24\n")
        .replace(
            "30 November or 1 December 2023\t2 nd EU-China Dialogue on Drugs\t\n",
            "30 November or 1 December 2023\t2 nd EU-China Dialogue on Drugs\t\n"
            "Q1 2024\tVirtual workshop readmission management\t\n",
        )
    )
    v3 = tmp_path / "v3.txt"
    v3.write_text(v3_text, encoding="utf-8")
    report = ingest(v3, at=LATER + dt.timedelta(days=40))
    assert [c.uid for c in report.restored] == [china_uid]
    china = event_where(session, "china", "Virtual workshop readmission")
    assert (china.uid, china.is_removed, china.revision) == (china_uid, False, 3)
    assert [r.kind for r in china.revisions] == [
        RevisionKind.CREATED,
        RevisionKind.REMOVED,
        RevisionKind.RESTORED,
    ]
    assert china.revisions[-1].labels == ["listed again"]


def test_a_hand_edited_event_is_not_overwritten_and_the_conflict_is_kept(
    session: Session, ingest: Ingest
) -> None:
    ingest()
    jrc = event_where(session, "serbia", "10 th EU-Serbia Joint Readmission")
    begin_manual_edit(jrc)
    jrc.title = "10th EU-Serbia JRC (date proposed by Serbia: 26 March)"
    russia = session.scalars(
        select(Event).join(Event.section).where(Section.slug == "russia")
    ).first()
    assert russia is not None
    begin_manual_edit(russia)
    session.flush()

    report = ingest(V2, at=LATER)

    session.refresh(jrc)
    assert (jrc.raw_date, jrc.revision, jrc.title) == (
        "Q1 2024 (tbc)",
        1,
        "10th EU-Serbia JRC (date proposed by Serbia: 26 March)",
    )
    session.refresh(russia)
    assert not russia.is_removed
    conflicts = session.scalars(select(EventConflict).order_by(EventConflict.id)).all()
    assert sorted(c.event_id for c in conflicts) == sorted([jrc.id, russia.id])
    by_event = {c.event_id: c for c in conflicts}
    assert by_event[jrc.id].differences["raw_date"] == ["Q1 2024 (tbc)", "19 March 2024"]
    assert by_event[jrc.id].differences["title"][1] == (
        "10 th EU-Serbia Joint Readmission Committee meeting, Belgrade"
    )
    assert by_event[russia.id].differences == {"removed": [False, True]}
    assert by_event[jrc.id].resolved_at is None
    assert len(report.conflicts) == 2
    assert "conflicts with hand edits: 2" in render(report)
    # The hand-edited event was recognised, not duplicated.
    assert all("meeting, Belgrade" not in change.title for change in report.created)
    assert jrc.note_snapshot is not None
    assert jrc.note_snapshot["raw_date"] == "19 March 2024"


def test_a_conflict_is_raised_once_per_change_of_the_note(
    session: Session, ingest: Ingest, tmp_path: Path
) -> None:
    ingest()
    jrc = event_where(session, "serbia", "10 th EU-Serbia Joint Readmission")
    begin_manual_edit(jrc)
    jrc.outcome = "Serbia proposed 26 March."
    session.flush()
    ingest(V2, at=LATER)
    v2_again = tmp_path / "v2b.txt"
    v2_again.write_text(
        V2.read_text(encoding="utf-8")
        .replace("Brussels, 15 May 2024", "Brussels, 20 May 2024")
        .replace("\n9876/24\n", "\n9877/24\n"),
        encoding="utf-8",
    )
    report = ingest(v2_again, at=LATER + dt.timedelta(days=5))
    assert report.conflicts == []
    assert count(session, EventConflict) == 1
    session.refresh(jrc)
    assert jrc.outcome == "Serbia proposed 26 March."


def test_a_symbol_imported_from_other_bytes_needs_replace(
    session: Session, ingest: Ingest, tmp_path: Path
) -> None:
    ingest()
    corrected = tmp_path / "corrected.txt"
    corrected.write_text(
        SAMPLE.read_text(encoding="utf-8").replace("Q3 2024 (tbc)\t10 th", "Q3 2024\t10 th"),
        encoding="utf-8",
    )
    with pytest.raises(DocumentConflict, match="5484/24 was already imported from other bytes"):
        ingest(corrected)
    report = ingest(corrected, replace=True, at=LATER)
    assert [(c.section, c.labels) for c in report.updated] == [
        ("north-macedonia", ("no longer tbc",))
    ]
    versions = session.scalars(select(DocumentVersion).order_by(DocumentVersion.id)).all()
    assert [v.symbol for v in versions] == ["5484/24", "5484/24"]
    assert versions[1].replaces_id == versions[0].id


def test_an_older_note_cannot_follow_a_newer_one(session: Session, ingest: Ingest) -> None:
    ingest(V2)
    with pytest.raises(DocumentConflict, match="older than 9876/24"):
        ingest(SAMPLE)
    assert count(session, DocumentVersion) == 1


def test_a_note_without_symbol_or_date_needs_them_given(
    session: Session, ingest: Ingest, tmp_path: Path
) -> None:
    bare = tmp_path / "bare.txt"
    text = SAMPLE.read_text(encoding="utf-8")
    bare.write_text(text.replace("\n5484/24\n", "\n").replace("**Brussels, 6 February 2024", "**"))
    with pytest.raises(UnreadableDocument, match="no document symbol in the header; pass --symbol"):
        ingest(bare)
    with pytest.raises(UnreadableDocument, match="pass --date"):
        ingest(bare, symbol="5484/24")
    report = ingest(bare, symbol="5484/24", document_date=dt.date(2024, 2, 6))
    assert report.events == 836


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda text: text[: len(text) // 2], "the file looks truncated"),
        (lambda text: text.replace("\t", "    "), "no 'Key past and upcoming events' table"),
        (
            lambda text: "Minutes of the meeting\n\nNothing else.\n",
            "no 'Key past and upcoming events' table",
        ),
    ],
)
def test_a_file_that_is_not_a_whole_note_is_refused(
    tmp_path: Path, mangle: Callable[[str], str], message: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(mangle(SAMPLE.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(UnreadableDocument, match=message):
        load_note(read_source(path, max_bytes=MAX_BYTES))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"symbol": "9876/24" + " REV 1" * 20},
            "the symbol is 127 characters long; it has at most 80",
        ),
        (
            {"document_date": dt.date(9999, 12, 31)},
            "the note's date 9999-12-31 is outside the dates calendar-svc keeps",
        ),
    ],
)
def test_issue_3_a_symbol_or_date_given_outside_the_limits_refuses_the_file(
    session: Session, ingest: Ingest, options: dict[str, object], message: str
) -> None:
    """Given with the file (``--symbol``, ``--date``, the upload form): refused in one
    line, nothing stored (a symbol over 80 characters was a DataError on PostgreSQL)."""
    with pytest.raises(UnreadableDocument, match=message):
        ingest(V2, **options)
    assert session.scalar(select(func.count()).select_from(DocumentVersion)) == 0
