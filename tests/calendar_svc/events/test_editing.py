"""Hand edits: each is a revision naming its author, and imports do not overwrite them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calendar_svc.events import editing
from calendar_svc.events.editing import EditError
from calendar_svc.ingest.report import ImportReport
from models import (
    Category,
    Confidence,
    Event,
    EventConflict,
    Precision,
    RevisionKind,
    Section,
    Status,
)
from tests import factories
from tests.helpers.data import V2

Ingest = Callable[..., ImportReport]
EDITOR = "editor@example.eu"
EDIT_TIME = dt.datetime(2024, 2, 20, 10, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)
JRC = "10 th EU-Serbia Joint Readmission Committee meeting"


@pytest.fixture
def jrc(session: Session, ingest: Ingest) -> Event:
    ingest()
    return session.scalars(
        select(Event).join(Event.section).where(Section.slug == "serbia", Event.title == JRC)
    ).one()


def test_confirming_a_date_makes_a_tbc_event_firm(session: Session, jrc: Event) -> None:
    assert (jrc.raw_date, jrc.confidence) == ("Q1 2024 (tbc)", Confidence.TENTATIVE)
    revision = editing.confirm_date(
        session, jrc, dt.date(2024, 3, 26), dt.date(2024, 3, 26), actor=EDITOR, now=EDIT_TIME
    )
    assert (jrc.status, jrc.precision, jrc.confidence) == (
        Status.CONFIRMED,
        Precision.DAY,
        Confidence.FIRM,
    )
    assert jrc.raw_date == "26 March 2024"
    assert [(o.start, o.end) for o in jrc.occurrences] == [(dt.date(2024, 3, 26),) * 2]
    assert (jrc.revision, jrc.is_manual_override, jrc.updated_at) == (2, True, EDIT_TIME)
    assert (revision.kind, revision.actor, revision.changed_at) == (
        RevisionKind.UPDATED,
        EDITOR,
        EDIT_TIME,
    )
    assert revision.labels == ["date confirmed"]
    assert revision.changes["raw_date"] == ["Q1 2024 (tbc)", "26 March 2024"]
    assert revision.changes["occurrences"] == [
        [["2024-01-01", "2024-03-31"]],
        [["2024-03-26", "2024-03-26"]],
    ]
    # What the note said is kept for the next import to compare against.
    assert jrc.note_snapshot["raw_date"] == "Q1 2024 (tbc)"


def test_a_span_is_confirmed_at_days_precision(session: Session, jrc: Event) -> None:
    editing.confirm_date(
        session, jrc, dt.date(2024, 3, 26), dt.date(2024, 3, 27), actor=EDITOR, now=EDIT_TIME
    )
    assert (jrc.precision, jrc.raw_date) == (Precision.DAYS, "26-27 March 2024")


def test_moving_takes_a_date_as_the_note_writes_it(session: Session, jrc: Event) -> None:
    revision = editing.set_date_text(
        session, jrc, "April/May 2024 (TBC)", actor=EDITOR, now=EDIT_TIME
    )
    assert (jrc.status, jrc.precision, jrc.raw_date) == (
        Status.TENTATIVE,
        Precision.MONTHS,
        "April/May 2024 (TBC)",
    )
    assert [(o.start, o.end) for o in jrc.occurrences] == [
        (dt.date(2024, 4, 1), dt.date(2024, 5, 31))
    ]
    assert revision.labels == ["moved"]


def test_an_edit_keeps_the_positions_of_the_dates_still_listed(
    session: Session, ingest: Ingest
) -> None:
    """Issue 12: a feed's UID is "<uid>-<position>"; dropping 24 February from the
    Nigerian meetings (line 269 of the sample) must not renumber the others."""
    ingest()
    event = session.scalars(
        select(Event).where(Event.raw_date == "05 January, 24 February, 17 March, 22 May 2023")
    ).one()
    before = {o.start: o.position for o in event.occurrences}
    assert sorted(before.values()) == [0, 1, 2, 3]
    editing.set_date_text(
        session, event, "05 January, 17 March, 22 May 2023", actor=EDITOR, now=EDIT_TIME
    )
    after = {o.start: o.position for o in event.occurrences}
    kept = [dt.date(2023, 1, 5), dt.date(2023, 3, 17), dt.date(2023, 5, 22)]
    assert after == {day: before[day] for day in kept}
    # A date added later gets a new position, never 24 February's.
    editing.set_date_text(
        session, event, "05 January, 17 March, 22 May, 1 June 2023", actor=EDITOR, now=LATER
    )
    added = {o.start: o.position for o in event.occurrences}[dt.date(2023, 6, 1)]
    assert added not in before.values()


def test_cancel_postpone_and_reinstate(session: Session, jrc: Event) -> None:
    assert editing.set_status(
        session, jrc, Status.CANCELLED, actor=EDITOR, now=EDIT_TIME
    ).labels == ["cancelled"]
    assert jrc.confidence is Confidence.OFF
    assert editing.set_status(
        session, jrc, Status.TENTATIVE, actor=EDITOR, now=EDIT_TIME
    ).labels == ["reinstated"]
    assert editing.set_status(
        session, jrc, Status.POSTPONED, actor=EDITOR, now=EDIT_TIME
    ).labels == ["postponed"]
    assert [r.revision for r in jrc.revisions] == [1, 2, 3, 4]
    assert jrc.occurrences  # the window stays; only the status changed


def test_details_are_edited_and_checked(session: Session, jrc: Event) -> None:
    revision = editing.edit_details(
        session,
        jrc,
        actor=EDITOR,
        now=EDIT_TIME,
        title="  10th EU-Serbia JRC,\n Belgrade ",
        outcome="Agreed to meet in March.",
        category=Category.JOINT_READMISSION_COMMITTEE,
        location="Belgrade",
    )
    assert (jrc.title, jrc.outcome, jrc.location) == (
        "10th EU-Serbia JRC, Belgrade",
        "Agreed to meet in March.",
        "Belgrade",
    )
    assert revision.labels == ["title changed", "outcome changed", "location changed"]
    with pytest.raises(EditError, match="an event needs a title"):
        editing.edit_details(
            session,
            jrc,
            actor=EDITOR,
            now=EDIT_TIME,
            title="   ",
            outcome="",
            category=Category.OTHER,
            location=None,
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda s, e: editing.set_date_text(s, e, "soonish", actor=EDITOR, now=EDIT_TIME),
            "cannot read a date in 'soonish'",
        ),
        (
            lambda s, e: editing.confirm_date(
                s, e, dt.date(2024, 3, 2), dt.date(2024, 3, 1), actor=EDITOR, now=EDIT_TIME
            ),
            "the end date is before the start date",
        ),
        (
            lambda s, e: editing.set_status(s, e, Status.TENTATIVE, actor=EDITOR, now=EDIT_TIME),
            "nothing to change",
        ),
    ],
)
def test_an_edit_that_cannot_be_made_changes_nothing(
    session: Session, jrc: Event, change: Callable[[Session, Event], object], message: str
) -> None:
    with pytest.raises(EditError, match=message):
        change(session, jrc)
    assert (jrc.revision, jrc.is_manual_override, jrc.raw_date) == (1, False, "Q1 2024 (tbc)")


def test_an_added_event_is_matched_when_a_note_lists_it(session: Session, ingest: Ingest) -> None:
    ingest()
    serbia = session.scalars(select(Section).filter_by(slug="serbia")).one()
    added = editing.add_event(
        session,
        serbia,
        title="11 th EU-Serbia Joint Readmission Committee meeting",
        date_text="Q4 2024 (tbc)",
        outcome="",
        actor=EDITOR,
        now=EDIT_TIME,
    )
    assert (added.status, added.category, added.revision) == (
        Status.TENTATIVE,
        Category.JOINT_READMISSION_COMMITTEE,
        1,
    )
    assert added.revisions[0].labels == ["added by hand"]
    assert added.revisions[0].actor == EDITOR
    # The second note lists the 11th JRC (Q4 2024 tbc): the same event, not a new one.
    report = ingest(V2, at=LATER)
    assert "11 th EU-Serbia Joint Readmission Committee meeting" not in [
        c.title for c in report.created
    ]
    assert session.scalars(
        select(Event).where(Event.title.startswith("11 th EU-Serbia Joint Readmission"))
    ).all() == [added]


def test_the_note_does_not_overwrite_an_edit_and_the_editor_decides(
    session: Session, ingest: Ingest, jrc: Event
) -> None:
    editing.confirm_date(
        session, jrc, dt.date(2024, 3, 26), dt.date(2024, 3, 26), actor=EDITOR, now=EDIT_TIME
    )
    report = ingest(V2, at=LATER)
    session.refresh(jrc)
    # The note (9876/24) says 19 March; ours says 26 March and stays.
    assert jrc.raw_date == "26 March 2024"
    assert [c.uid for c in report.conflicts] == [jrc.uid]
    conflict = session.scalars(select(EventConflict)).one()
    # What the note changed, and what we have instead.
    assert conflict.differences["raw_date"] == ["Q1 2024 (tbc)", "19 March 2024"]
    assert conflict.ours("raw_date") == "26 March 2024"
    assert conflict.ours("occurrences") == [["2024-03-26", "2024-03-26"]]

    editing.resolve_conflict(session, conflict, keep=False, actor=EDITOR, now=LATER)
    assert (conflict.resolution, conflict.resolved_at) == ("taken", LATER)
    assert jrc.raw_date == "19 March 2024"
    assert jrc.title == "10 th EU-Serbia Joint Readmission Committee meeting, Belgrade"
    assert [(o.start, o.end) for o in jrc.occurrences] == [(dt.date(2024, 3, 19),) * 2]
    assert (jrc.is_manual_override, jrc.note_snapshot) == (False, None)
    assert jrc.revisions[-1].actor == EDITOR
    with pytest.raises(EditError, match="already resolved"):
        editing.resolve_conflict(session, conflict, keep=True, actor=EDITOR, now=LATER)


def test_keeping_ours_leaves_the_event_as_edited(
    session: Session, ingest: Ingest, jrc: Event
) -> None:
    editing.confirm_date(
        session, jrc, dt.date(2024, 3, 26), dt.date(2024, 3, 26), actor=EDITOR, now=EDIT_TIME
    )
    ingest(V2, at=LATER)
    conflict = session.scalars(select(EventConflict)).one()
    revision = jrc.revision
    editing.resolve_conflict(session, conflict, keep=True, actor=EDITOR, now=LATER)
    assert conflict.resolution == "kept"
    assert (jrc.raw_date, jrc.revision, jrc.is_manual_override) == (
        "26 March 2024",
        revision,
        True,
    )


def _details(session: Session, event: Event, **fields: str) -> object:
    values = {"title": event.title, "outcome": "", "location": ""} | fields
    return editing.edit_details(
        session, event, actor=EDITOR, now=EDIT_TIME, category=Category.OTHER, **values
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda s, e: editing.confirm_date(
                s, e, dt.date(2024, 5, 1), dt.date(9999, 12, 31), actor=EDITOR, now=EDIT_TIME
            ),
            "cannot confirm 2024-05-01 to 9999-12-31: 9999-12-31 is outside the dates"
            " calendar-svc keeps (1900-01-01 to 2100-12-31)",
        ),
        (
            lambda s, e: editing.confirm_date(
                s, e, dt.date(1899, 12, 31), dt.date(1900, 1, 1), actor=EDITOR, now=EDIT_TIME
            ),
            "1899-12-31 is outside the dates",
        ),
        (
            lambda s, e: editing.set_date_text(
                s, e, "December, 8 January 1900", actor=EDITOR, now=EDIT_TIME
            ),
            "cannot read a date in 'December, 8 January 1900': 1899-12-01 is outside",
        ),
        (
            lambda s, e: editing.set_date_text(
                s, e, "early " * 2000 + "2024", actor=EDITOR, now=EDIT_TIME
            ),
            "the date is 12,004 characters long; it may have at most 200",
        ),
        (lambda s, e: _details(s, e, title="T" * 1001), "the title is 1,001 characters long"),
        (lambda s, e: _details(s, e, outcome="O" * 4001), "the outcome is 4,001 characters"),
        (lambda s, e: _details(s, e, location="L" * 201), "the location is 201 characters"),
    ],
)
def test_issue_3_an_edit_outside_the_limits_is_refused_and_changes_nothing(
    session: Session, jrc: Event, change: Callable[[Session, Event], object], message: str
) -> None:
    """Dates within 1900-2100, text no longer than a cell of the note may be."""
    with pytest.raises(EditError) as refused:
        change(session, jrc)
    assert message in str(refused.value)
    assert (jrc.revision, jrc.is_manual_override, jrc.raw_date) == (1, False, "Q1 2024 (tbc)")
    assert [(o.start, o.end) for o in jrc.occurrences] == [
        (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    ]


def test_issue_3_the_bounds_and_limits_themselves_are_accepted(
    session: Session, jrc: Event
) -> None:
    editing.confirm_date(
        session, jrc, dt.date(2100, 12, 30), dt.date(2100, 12, 31), actor=EDITOR, now=EDIT_TIME
    )
    assert jrc.raw_date == "30-31 December 2100"
    _details(session, jrc, title="T" * 1000, outcome="O" * 4000, location="L" * 200)
    assert (len(jrc.title), len(jrc.outcome), len(jrc.location or "")) == (1000, 4000, 200)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date_text": "2024, " * 4000}, "the date is 23,999 characters long"),
        ({"date_text": "Winter", "now": dt.datetime(2100, 3, 1, tzinfo=dt.UTC)}, "2101-02-28"),
        ({"title": "T" * 1001}, "the title is 1,001 characters long"),
        ({"outcome": "O" * 4001}, "the outcome is 4,001 characters long"),
    ],
)
def test_issue_3_an_added_event_outside_the_limits_is_not_added(
    session: Session, fields: dict[str, object], message: str
) -> None:
    serbia = factories.section(session, "serbia")
    factories.event(session, serbia)
    before = session.scalar(select(func.count()).select_from(Event))
    values = {"title": "A new meeting", "date_text": "Q4 2024", "outcome": "", "now": EDIT_TIME}
    with pytest.raises(EditError) as refused:
        editing.add_event(session, serbia, actor=EDITOR, **(values | fields))  # type: ignore[arg-type]
    assert message in str(refused.value)
    assert session.scalar(select(func.count()).select_from(Event)) == before
