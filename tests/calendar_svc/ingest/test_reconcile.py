"""Reconciling a note's rows with the stored events, without a database.

Stored events and rows are built by hand; what each test expects follows from
the rules in ``calendar_svc.ingest.reconcile`` and ``matching``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from calendar_svc.ingest.drafts import EventDraft
from calendar_svc.ingest.reconcile import (
    UID_NAMESPACE,
    Conflict,
    Creation,
    ImportPlan,
    Removal,
    StoredEvent,
    Unchanged,
    Update,
    reconcile,
)
from calendar_svc.ingest.sections import SectionIdentity
from models import Category, Group, Precision, RevisionKind, Status
from models.snapshot import NoteSnapshot
from models.window import Window

SERBIA = SectionIdentity("serbia", "Serbia", Group.WESTERN_BALKANS, "RS", is_known=True)
EGYPT = SectionIdentity("egypt", "Egypt", Group.SOUTHERN_MEDITERRANEAN, "EG", is_known=True)
SECTION_IDS = {"serbia": 1, "egypt": 2}
SYMBOL = "9876/24"
NOTE_DATE = dt.date(2024, 5, 15)

Q1 = Window(dt.date(2024, 1, 1), dt.date(2024, 3, 31))
MARCH_19 = Window(dt.date(2024, 3, 19), dt.date(2024, 3, 19))
JUNE_3 = Window(dt.date(2024, 6, 3), dt.date(2024, 6, 3))


def row(
    title: str,
    raw_date: str,
    *windows: Window,
    status: Status = Status.CONFIRMED,
    precision: Precision = Precision.DAY,
    section: SectionIdentity = SERBIA,
    position: int = 0,
    date_note: str | None = None,
) -> EventDraft:
    return EventDraft(
        section=section,
        position=position,
        table=1,
        row=position + 1,
        line=10 + position,
        page=None,
        source_text=f"{raw_date}\t{title}\t",
        raw_date=raw_date,
        title=title,
        outcome="",
        category=Category.OTHER,
        status=status,
        precision=precision,
        windows=windows,
        location=None,
        date_note=date_note,
        problem=None,
    )


def values(draft: EventDraft) -> dict[str, Any]:
    return {
        "title": draft.title,
        "outcome": draft.outcome,
        "category": draft.category,
        "raw_date": draft.raw_date,
        "status": draft.status,
        "precision": draft.precision,
        "location": draft.location,
    }


def stored(
    event_id: int,
    listed: EventDraft,
    *,
    is_removed: bool = False,
    edited: bool = False,
    note_removed: bool | None = None,
    from_note: bool = True,
    revision: int = 1,
    date_note: str | None = None,
) -> StoredEvent:
    """An event as an import of ``listed`` left it (then edited by hand, if ``edited``)."""
    return StoredEvent(
        id=event_id,
        uid=f"uid-{event_id}",
        section_id=SECTION_IDS[listed.section.slug],
        section_slug=listed.section.slug,
        note=NoteSnapshot(
            values(listed),
            listed.windows,
            is_removed if note_removed is None else note_removed,
        ),
        revision=revision,
        is_manual_override=edited,
        is_removed=is_removed,
        from_note=from_note,
        occurrences=tuple(enumerate(listed.windows)),
        next_position=len(listed.windows),
        date_note=date_note,
    )


def plan_of(events: list[StoredEvent], rows: list[EventDraft]) -> ImportPlan:
    return reconcile(events, rows, SECTION_IDS, symbol=SYMBOL, note_date=NOTE_DATE)


JRC_TBC = row(
    "10 th EU-Serbia Joint Readmission Committee meeting",
    "Q1 2024 (tbc)",
    Q1,
    status=Status.TENTATIVE,
    precision=Precision.QUARTER,
)
JRC_CONFIRMED = row(
    "10 th EU-Serbia Joint Readmission Committee meeting", "19 March 2024", MARCH_19
)


def test_a_row_that_says_what_the_note_said_is_unchanged() -> None:
    event = stored(1, JRC_TBC)
    plan = plan_of([event], [JRC_TBC])
    assert plan.steps == (Unchanged(event, JRC_TBC),)
    assert plan.unchanged == 1
    assert plan.drafts == (JRC_TBC,)


def test_a_confirmed_date_is_an_update_with_its_labels_and_occurrences() -> None:
    event = stored(1, JRC_TBC, revision=3)
    (step,) = plan_of([event], [JRC_CONFIRMED]).steps
    assert isinstance(step, Update)
    assert (step.event, step.draft, step.kind, step.revision) == (
        event,
        JRC_CONFIRMED,
        RevisionKind.UPDATED,
        4,
    )
    assert step.changes == {
        "raw_date": ("Q1 2024 (tbc)", "19 March 2024"),
        "status": (Status.TENTATIVE, Status.CONFIRMED),
        "precision": (Precision.QUARTER, Precision.DAY),
        "occurrences": ((Q1,), (MARCH_19,)),
    }
    # Tentative to firm, inside the old window: confirmed, not moved.
    assert step.labels == ("date confirmed",)
    # The new window overlaps the old one: it keeps its position (its feed UID).
    assert (step.occurrences, step.next_position) == (((0, MARCH_19),), 1)


def test_a_change_of_layout_only_is_no_change() -> None:
    pdf = row("EU-North Macedonia Sub-Committee meeting", "3 June 2024", JUNE_3)
    text = dataclasses.replace(pdf, title="EU-North Macedonia Sub- Committee meeting")
    event = stored(1, text)
    assert plan_of([event], [pdf]).steps == (Unchanged(event, pdf),)


def test_a_row_no_longer_listed_is_a_removal() -> None:
    event = stored(1, JRC_TBC, revision=2)
    (step,) = plan_of([event], []).steps
    assert step == Removal(event)
    assert (step.revision, step.kind, step.labels, step.changes) == (
        3,
        RevisionKind.REMOVED,
        ("removed",),
        {"removed": (False, True)},
    )


def test_events_made_by_hand_or_already_removed_have_no_step_while_unlisted() -> None:
    by_hand = stored(1, JRC_TBC, from_note=False, edited=True)
    removed = stored(2, JRC_CONFIRMED, is_removed=True)
    assert plan_of([by_hand, removed], []).steps == ()


def test_a_removed_event_listed_again_is_restored() -> None:
    event = stored(1, JRC_TBC, is_removed=True, revision=2)
    (step,) = plan_of([event], [JRC_TBC]).steps
    assert isinstance(step, Update)
    assert (step.kind, step.revision, step.labels, step.changes) == (
        RevisionKind.RESTORED,
        3,
        ("listed again",),
        {},
    )
    # Its windows did not change: the stored occurrences stay.
    assert step.occurrences is None


def test_a_new_row_gets_a_uid_from_the_note_and_positions_in_date_order() -> None:
    new = row("EU-Serbia Senior Officials Meeting", "3 June and 19 March 2024", JUNE_3, MARCH_19)
    (step,) = plan_of([], [new]).steps
    base = f"{SYMBOL}|serbia|0|EU-SerbiaSeniorOfficialsMeeting|3 June and 19 March 2024"
    assert step == Creation(
        uid=str(uuid.uuid5(UID_NAMESPACE, base)),
        section_id=1,
        draft=new,
        occurrences=((1, JUNE_3), (0, MARCH_19)),
        next_position=2,
    )


def test_a_uid_taken_gets_a_counter() -> None:
    first = row("Webinar", "3 June 2024", JUNE_3)
    second = dataclasses.replace(first, row=2)
    base = f"{SYMBOL}|serbia|0|Webinar|3 June 2024"
    earlier = dataclasses.replace(stored(1, JRC_TBC), uid=str(uuid.uuid5(UID_NAMESPACE, base)))
    plan = plan_of([earlier], [JRC_TBC, first, second])
    assert [step.uid for step in plan.of(Creation)] == [
        str(uuid.uuid5(UID_NAMESPACE, f"{base}|2")),
        str(uuid.uuid5(UID_NAMESPACE, f"{base}|3")),
    ]


def test_a_section_lists_its_matches_then_its_removals_then_its_new_rows() -> None:
    dropped = row("EU-Serbia Business Forum", "3 June 2024", JUNE_3, position=1)
    new = row("EU-Serbia Senior Officials Meeting", "19 March 2024", MARCH_19)
    jrc, forum = stored(1, JRC_TBC), stored(2, dropped)
    plan = plan_of([jrc, forum], [new, JRC_TBC])
    assert plan.steps[:2] == (Unchanged(jrc, JRC_TBC), Removal(forum))
    assert [step.draft for step in plan.steps[2:] if isinstance(step, Creation)] == [new]


def test_rows_match_events_of_their_own_section_only() -> None:
    event = stored(1, JRC_TBC)
    elsewhere = dataclasses.replace(JRC_TBC, section=EGYPT)
    plan = plan_of([event], [elsewhere])
    assert plan.of(Removal) == [Removal(event)]
    assert [(step.section_id, step.draft) for step in plan.of(Creation)] == [(2, elsewhere)]


def test_an_edited_event_the_note_changed_is_a_conflict_not_an_update() -> None:
    event = stored(1, JRC_TBC, edited=True)
    (step,) = plan_of([event], [JRC_CONFIRMED]).steps
    assert isinstance(step, Conflict)
    assert (step.event, step.draft) == (event, JRC_CONFIRMED)
    assert set(step.changes) == {"raw_date", "status", "precision", "occurrences"}
    # The snapshot moves to what the note says now.
    assert step.note == NoteSnapshot(values(JRC_CONFIRMED), (MARCH_19,), removed=False)


def test_an_edited_event_the_note_did_not_change_is_unchanged_but_not_counted() -> None:
    event = stored(1, JRC_TBC, edited=True)
    plan = plan_of([event], [JRC_TBC])
    assert plan.steps == (Unchanged(event, JRC_TBC),)
    assert plan.unchanged == 0


def test_an_edited_event_the_note_dropped_is_a_conflict() -> None:
    event = stored(1, JRC_TBC, edited=True)
    (step,) = plan_of([event], []).steps
    assert step == Conflict(
        event,
        None,
        {"removed": (False, True)},
        NoteSnapshot(values(JRC_TBC), (Q1,), removed=True),
    )


def test_an_edited_event_the_note_lists_again_is_a_conflict() -> None:
    event = stored(1, JRC_TBC, edited=True, note_removed=True)
    (step,) = plan_of([event], [JRC_TBC]).steps
    assert isinstance(step, Conflict)
    assert step.changes == {"removed": (True, False)}
    assert step.note == NoteSnapshot(values(JRC_TBC), (Q1,), removed=False)


def test_a_repeated_year_less_date_keeps_the_windows_of_the_event() -> None:
    march_april = Window(dt.date(2024, 3, 1), dt.date(2024, 4, 30))
    first = row(
        "High Level Migration Dialogue",
        "March/April (tbc)",
        march_april,
        status=Status.TENTATIVE,
        precision=Precision.MONTHS,
        date_note="year 2024 inferred from neighbouring rows",
    )
    event = stored(1, first, date_note=first.date_note)
    # Read afresh in a May 2024 note, the tbc window is upcoming: 2025.
    again = dataclasses.replace(
        first,
        windows=(Window(dt.date(2025, 3, 1), dt.date(2025, 4, 30)),),
        date_note="year 2025 inferred from neighbouring rows and the note's date"
        " (a tbc date is upcoming)",
    )
    plan = plan_of([event], [again])
    assert plan.drafts == (first,)
    assert plan.steps == (Unchanged(event, first),)
    # An event with no note of its own says where its year came from.
    plan = plan_of([dataclasses.replace(event, date_note=None)], [again])
    assert plan.drafts[0].date_note == "year 2024 kept from an earlier version of the note"


def test_a_firm_meeting_over_before_the_note_does_not_move_a_tentative_one_does() -> None:
    may_15 = Window(dt.date(2023, 5, 15), dt.date(2023, 5, 15))
    april_16 = Window(dt.date(2024, 4, 16), dt.date(2024, 4, 16))
    firm = row("EU-WB JHA SOM", "15 May 2023", may_15)
    moved = row("EU-WB JHA SOM", "16 April 2024", april_16)
    plan = plan_of([stored(1, firm)], [moved])
    assert [type(step) for step in plan.steps] == [Removal, Creation]

    tentative = dataclasses.replace(firm, status=Status.TENTATIVE)
    (step,) = plan_of(
        [stored(1, tentative)], [dataclasses.replace(moved, status=Status.TENTATIVE)]
    ).steps
    assert isinstance(step, Update)
    assert step.labels == ("moved",)
