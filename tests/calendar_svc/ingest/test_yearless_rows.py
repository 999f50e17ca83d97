"""Issue 12, item 7: a later version that repeats a row leaves its event as it was,
yearless rows included; a tentative window that has passed is overdue, not next year's.

The rows version 2 edits are read off ``tests/data/README.md`` and located by
their lines in the sample note (5484/24).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calendar_svc.ingest.report import ImportReport
from models import Event, Section
from models.agenda import build_agenda
from tests.helpers.data import V2

Ingest = Callable[..., ImportReport]
V2_AT = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)
JUNE_AT = dt.datetime(2024, 6, 21, 9, 0, tzinfo=dt.UTC)
#: Lines of the sample's rows that version 2 edits: Jordan's Business Forum,
#: the EU-WB JHA SOM, Montenegro's 8th JRC, Egypt's High Level Migration
#: Dialogue, Serbia's DDG mission and 10th JRC, India's Summit, Georgia's
#: Association Council.
EDITED = {550, 620, 736, 493, 767, 768, 900, 1164}
#: ... and the rows it drops: China's Q1 2024 workshop, the first Khartoum
#: climate meeting, Russia's five rows.
DROPPED = {875, 1473, 1260, 1261, 1262, 1263, 1264}
#: "March/April (tbc)", 3rd EU-AU Ministerial Meeting: no year written.
EU_AU_LINE = 1401


def state(event: Event) -> tuple[Any, ...]:
    """What a reader sees of an event: its text, date facts, windows and their feed
    UIDs, revision and whether it is listed."""
    return (
        event.title,
        event.outcome,
        event.category,
        event.raw_date,
        event.status,
        event.precision,
        event.location,
        event.date_note,
        [(o.position, o.start, o.end) for o in event.occurrences],
        event.revision,
        event.updated_at,
        event.is_removed,
    )


def states(session: Session) -> dict[str, tuple[Any, ...]]:
    session.expire_all()
    return {event.uid: state(event) for event in session.scalars(select(Event))}


def eu_au_ministerial(session: Session) -> Event:
    return session.scalars(
        select(Event)
        .join(Event.section)
        .where(Section.slug == "africa-eu-dialogue", Event.raw_date == "March/April (tbc)")
    ).one()


def test_issue_12_version_2_leaves_every_row_it_does_not_edit_unchanged(
    session: Session, ingest: Ingest
) -> None:
    ingest()
    lines = {event.uid: event.source_line for event in session.scalars(select(Event))}
    before = states(session)
    report = ingest(V2, at=V2_AT)
    after = states(session)
    changed = {uid for uid in before if after[uid] != before[uid]}
    assert {lines[uid] for uid in changed} == EDITED | DROPPED
    assert {lines[c.uid] for c in report.updated} == EDITED
    assert EU_AU_LINE not in {lines[uid] for uid in changed}


def test_issue_12_a_yearless_tbc_row_keeps_its_year_in_a_later_note(
    session: Session, ingest: Ingest, tmp_path: Path
) -> None:
    """Read in February 2024, "March/April (tbc)" is March-April 2024 (the first
    window not over by the note's date). A June 2024 note repeating the row does
    not move it to 2025: it stays, revision 1, and shows as overdue tbc."""
    ingest()
    ingest(V2, at=V2_AT)
    june = tmp_path / "june.txt"
    june.write_text(
        V2.read_text(encoding="utf-8")
        .replace("Brussels, 15 May 2024", "Brussels, 20 June 2024")
        # The header's symbol and the page furniture's ("9876/24 CB/mk 12").
        .replace("9876/24", "9999/24"),
        encoding="utf-8",
    )
    before = states(session)
    report = ingest(june, at=JUNE_AT)
    assert report.imported
    assert (report.updated, report.created, report.removed) == ([], [], [])
    after = states(session)
    assert after == before
    event = eu_au_ministerial(session)
    assert [(o.start, o.end) for o in event.occurrences] == [
        (dt.date(2024, 3, 1), dt.date(2024, 4, 30))
    ]
    assert (event.revision, event.status.value) == (1, "tentative")
    # After "28 November 2022", March/April is 2023's; tbc and over by February
    # 2024, it is moved to 2024, as the first note said and the later ones keep.
    assert event.date_note == (
        "year 2024 inferred from neighbouring rows and the note's date (a tbc date is upcoming)"
    )
    agenda = build_agenda(session, today=JUNE_AT.date())
    assert event.uid in {o.event.uid for o in agenda.overdue}
    assert event.uid not in {o.event.uid for o in agenda.awaiting}


def test_issue_12_a_yearless_row_whose_date_changes_is_read_afresh(
    session: Session, ingest: Ingest, tmp_path: Path
) -> None:
    """Only an unchanged date text keeps its year: "May/June (tbc)" in the May 2024
    note is read as the upcoming May-June 2024."""
    ingest()
    edited = tmp_path / "v2.txt"
    text = V2.read_text(encoding="utf-8")
    old = "March/April (tbc)\t3 rd EU-AU Ministerial"
    assert text.count(old) == 1
    edited.write_text(text.replace(old, "May/June (tbc)\t3 rd EU-AU Ministerial"), encoding="utf-8")
    ingest(edited, at=V2_AT)
    event = session.scalars(select(Event).where(Event.raw_date == "May/June (tbc)")).one()
    assert event.title == "3 rd EU-AU Ministerial Meeting, Brussels"
    assert [(o.start, o.end) for o in event.occurrences] == [
        (dt.date(2024, 5, 1), dt.date(2024, 6, 30))
    ]
    assert event.revision == 2
