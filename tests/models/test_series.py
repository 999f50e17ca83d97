"""Series in the database: placed by imports, kept across versions, edited by people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from calendar_svc.events.series import (
    SeriesError,
    merge_series,
    move_event,
    rename_series,
    split_series,
)
from calendar_svc.ingest.report import ImportReport
from models import Event, EventRevision, Section, Series, SeriesBody, SeriesMember
from models.series import place_stored_events
from tests.helpers.data import V2

Ingest = Callable[..., ImportReport]
LATER = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)


def membership(session: Session) -> dict[int, set[str]]:
    """Series id -> the uids of its events."""
    members: dict[int, set[str]] = {}
    for series_id, uid in session.execute(
        select(SeriesMember.series_id, Event.uid).join(Event, Event.id == SeriesMember.event_id)
    ):
        members.setdefault(series_id, set()).add(uid)
    return members


def series_named(session: Session, slug: str, name: str) -> Series:
    return session.scalars(
        select(Series).join(Series.section).where(Section.slug == slug, Series.name == name)
    ).one()


def titles(series: Series) -> list[str]:
    return sorted(member.event.title for member in series.members)


def test_a_second_version_keeps_every_series_and_adds_only_its_new_rows(
    session: Session, ingest: Ingest
) -> None:
    ingest()
    before = membership(session)
    serbia_jrc = series_named(session, "serbia", "Joint Readmission Committee").id
    assert len(before[serbia_jrc]) == 2  # the 9th held, the 10th Q1 2024 (tbc)
    ingest(V2, at=LATER)
    after = membership(session)
    assert set(before) <= set(after)
    for series_id, uids in before.items():
        assert uids <= after[series_id], f"series {series_id} lost events"
    joined = {
        series_id: after[series_id] - before.get(series_id, set())
        for series_id in after
        if after[series_id] != before.get(series_id)
    }
    new_uids = set(
        session.scalars(
            select(Event.uid)
            .join(EventRevision)
            .where(EventRevision.revision == 1, EventRevision.changed_at == LATER)
        )
    )
    assert joined
    assert all(uids <= new_uids for uids in joined.values())
    # Version 2 lists the 11th EU-Serbia JRC, Q4 2024 (tbc): it joins the series.
    eleventh = session.scalars(
        select(Event)
        .join(Event.section)
        .where(
            Section.slug == "serbia", Event.title.startswith("11 th EU-Serbia Joint Readmission")
        )
    ).one()
    assert eleventh.uid in joined[serbia_jrc]
    assert session.get(SeriesMember, eleventh.id).meeting_number == 11  # type: ignore[union-attr]
    # A new section's first senior officials meeting starts a series of its own.
    togo = series_named(session, "togo", "Senior Officials' Meeting")
    assert [m.meeting_number for m in togo.members] == [1]


def test_the_stored_events_of_an_upgraded_database_are_placed_once(
    session: Session, ingest: Ingest, now: dt.datetime
) -> None:
    ingest()
    placed = membership(session)
    for table in (SeriesMember, SeriesBody, Series):
        session.execute(table.__table__.delete())
    session.expunge_all()  # as a database that never had series
    assert place_stored_events(session, now=now) == sum(map(len, placed.values()))
    assert sorted(map(sorted, membership(session).values())) == sorted(map(sorted, placed.values()))
    assert place_stored_events(session, now=now) == 0


def test_merge_split_rename_and_move_are_revisions(
    session: Session, ingest: Ingest, now: dt.datetime
) -> None:
    ingest()
    moldova_jfs = series_named(session, "moldova", "Justice, Freedom and Security Sub-committee")
    moldova_council = series_named(session, "moldova", "Association Council")
    assert len(moldova_jfs.members) == 4
    jls_2019 = next(m.event for m in moldova_jfs.members if m.event.raw_date == "14 November 2019")

    split = split_series(
        session, moldova_jfs, [jls_2019], name="JLS Subcommittee (2019)", actor="ed@x.eu", now=now
    )
    assert titles(split) == ["JLS Subcommittee"]
    assert len(moldova_jfs.members) == 3
    assert [r.kind.value for r in split.revisions] == ["split"]
    revision = jls_2019.revisions[-1]
    assert revision.changes == {
        "series": ["Justice, Freedom and Security Sub-committee", "JLS Subcommittee (2019)"]
    }
    assert revision.actor == "ed@x.eu"
    assert jls_2019.revision == 2
    assert not jls_2019.is_manual_override  # a series is no field of the note

    rename_series(session, split, "JLS Subcommittee, 2019 only", actor="ed@x.eu", now=now)
    assert split.revisions[-1].changes == {
        "name": ["JLS Subcommittee (2019)", "JLS Subcommittee, 2019 only"]
    }

    merged_id = split.id
    merge_series(session, moldova_jfs, split, actor="ed@x.eu", now=now)
    assert session.get(Series, merged_id) is None
    assert len(moldova_jfs.members) == 4
    assert moldova_jfs.revisions[-1].changes["merged"] == "JLS Subcommittee, 2019 only"

    move_event(session, jls_2019, moldova_council, actor="ed@x.eu", now=now)
    assert jls_2019 in [m.event for m in moldova_council.members]
    assert jls_2019.revision == 4  # split off, merged back, moved


def test_a_merged_series_body_names_lead_the_next_import_to_the_one_kept(
    session: Session, ingest: Ingest, now: dt.datetime
) -> None:
    ingest()
    serbia_jrc = series_named(session, "serbia", "Joint Readmission Committee")
    serbia_jfs = series_named(session, "serbia", "Justice, Freedom and Security Sub-committee")
    merge_series(session, serbia_jfs, serbia_jrc, actor="ed@x.eu", now=now)
    ingest(V2, at=LATER)
    eleventh = session.scalars(
        select(Event).where(Event.title.startswith("11 th EU-Serbia Joint Readmission"))
    ).one()
    assert session.get(SeriesMember, eleventh.id).series_id == serbia_jfs.id  # type: ignore[union-attr]


def test_series_of_another_section_are_refused(
    session: Session, ingest: Ingest, now: dt.datetime
) -> None:
    ingest()
    georgia = series_named(session, "georgia", "Joint Readmission Committee")
    moldova = series_named(session, "moldova", "Joint Readmission Committee")
    with pytest.raises(SeriesError, match="section"):
        merge_series(session, georgia, moldova, actor="ed@x.eu", now=now)
    tenth = moldova.members[0].event
    with pytest.raises(SeriesError, match="section"):
        move_event(session, tenth, georgia, actor="ed@x.eu", now=now)
    assert tenth.revision == 1
