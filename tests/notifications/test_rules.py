"""Which reminders are due: stages, the latest-only rule, scope, updates.

Expectations come from reading the sample note: as of its date (6 February
2024) a subscriber following Serbia, Montenegro and North Macedonia has two
open tbc windows (the Serbian JRC "Q1 2024 (tbc)" and the Montenegrin
"Q1/Q2 2024 (tbc)"; the North Macedonian "Q3 2024 (tbc)" opens in July), and
no firm date within 14 days that has not started.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from calendar_svc.subscribers import add_subscriber
from models import Event, LedgerEntry, LedgerState, Rule, Series, Subscriber
from notifications.ledger import record, reminder_rows
from notifications.rules import ReminderPolicy, due_reminders
from tests.helpers.data import V2

POLICY = ReminderPolicy(overdue_horizon_days=90)
NOTE_DAY = dt.datetime(2024, 2, 6, 8, 0, tzinfo=dt.UTC)
SMN = ["serbia", "montenegro", "north-macedonia"]


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=8, tzinfo=dt.UTC)


def due_for(
    session: Session, subscriber: Subscriber, now: dt.datetime
) -> list[tuple[str, str, str, str]]:
    """(rule, section, date in the note, due date) of what is due for ``subscriber``; for
    a series (rule, section, "<series name>: <state>", due date)."""
    rows = []
    for due in due_reminders(session, now=now, policy=POLICY):
        if due.subscriber_id != subscriber.id:
            continue
        if due.event_id is None:
            _, series_id, state = due.occurrence_key.split("-", 2)
            series = session.get(Series, int(series_id))
            assert series is not None
            rows.append(
                (
                    due.rule.value,
                    series.section.slug,
                    f"{series.name}: {state}",
                    due.due_date.isoformat(),
                )
            )
            continue
        event = session.get(Event, due.event_id)
        assert event is not None
        rows.append((due.rule.value, event.section.slug, event.raw_date, due.due_date.isoformat()))
    return sorted(rows)


@pytest.fixture
def imported(session: Session, ingest: Callable[..., Any]) -> Session:
    ingest()
    return session


def test_on_the_note_date_the_western_balkans_desk_has_two_open_tbc_windows(
    imported: Session,
) -> None:
    desk = add_subscriber(imported, "desk@example.eu", now=NOTE_DAY, sections=SMN)
    assert due_for(imported, desk, NOTE_DAY) == [
        ("open", "montenegro", "Q1/Q2 2024 (tbc)", "2024-01-01"),
        ("open", "serbia", "Q1 2024 (tbc)", "2024-01-01"),
    ]


def test_on_the_note_date_a_subscriber_to_everything(imported: Session) -> None:
    everyone = add_subscriber(imported, "all@example.eu", now=NOTE_DAY, everything=True)
    assert due_for(imported, everyone, NOTE_DAY) == sorted(
        [
            # Firm dates: the latest of 14, 7, 1 days whose day has come.
            ("firm", "khartoum-process", "7-8 February 2024, Nairobi", "2024-02-06"),
            ("firm", "khartoum-process", "7-8 February 2024, Nairobi", "2024-02-06"),
            ("firm", "bosnia-and-herzegovina", "12-14 February 2024", "2024-02-05"),
            ("firm", "western-balkans", "13-14 February 2024", "2024-02-06"),
            ("firm", "georgia", "20 February 2024", "2024-02-06"),
            # Windows open on 6 February.
            ("open", "iraq", "Q1 2023-Q1 2024", "2023-01-01"),
            ("open", "montenegro", "Q1/Q2 2024 (tbc)", "2024-01-01"),
            ("open", "serbia", "Q1 2024 (tbc)", "2024-01-01"),
            ("open", "china", "Q1 2024", "2024-01-01"),
            ("open", "bangladesh", "1 st Semester 2024 TBC", "2024-01-01"),
            ("open", "bangladesh", "1 st semester 2024 TBC", "2024-01-01"),
            ("open", "ethiopia", "February 2024", "2024-02-01"),
            ("open", "azerbaijan", "February 2024 (TBC)", "2024-02-01"),
            # Windows opening within 30 days.
            ("opens_soon", "egypt", "March 2024", "2024-01-31"),
            ("opens_soon", "egypt", "March 2024", "2024-01-31"),
            ("opens_soon", "egypt", "March 2024", "2024-01-31"),
            ("opens_soon", "africa-eu-dialogue", "March/April (tbc)", "2024-01-31"),
            ("opens_soon", "bangladesh", "5 March 2024 (TBC)", "2024-02-04"),
            ("opens_soon", "bangladesh", "6 March 2024 (TBC)", "2024-02-05"),
            # A tbc window that ended within 90 days; the approximate "December
            # 2023" and "Last quarter 2023" were already past when the note said so.
            ("overdue", "china", "30 November or 1 December 2023", "2023-12-02"),
            # Series that turned late or stalled within those 90 days
            # (docs/series.md). The EU-Moldova JLS Sub-committee: held 14 November
            # 2019, 24 September 2020, 12 October 2021, 20 October 2022; every 373
            # days, expected by 29 January 2024. The Rabat Process Steering
            # Committee: ten held from 23 January 2019 to 21 February 2023, every
            # 146 days, expected by 11 September 2023, stalled 146 days later.
            (
                "series",
                "moldova",
                "Justice, Freedom and Security Sub-committee: late",
                "2024-01-30",
            ),
            ("series", "rabat-process", "Steering Committee: stalled", "2024-02-04"),
        ]
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2024-02-26", []),
        ("2024-02-27", [("firm", "2024-02-27")]),  # 14 days before 12 March
        ("2024-03-04", [("firm", "2024-02-27")]),
        ("2024-03-05", [("firm", "2024-03-05")]),  # 7 days before
        ("2024-03-10", [("firm", "2024-03-05")]),
        ("2024-03-11", [("firm", "2024-03-11")]),  # 1 day before
        ("2024-03-12", []),  # it has started: nothing, not a late reminder
    ],
)
def test_a_firm_date_gets_only_its_latest_reminder(
    imported: Session, day: str, expected: list[tuple[str, str]]
) -> None:
    desk = add_subscriber(imported, "desk@example.eu", now=NOTE_DAY, sections=["serbia"])
    got = [
        (rule, due)
        for rule, _section, raw, due in due_for(imported, desk, at(day))
        if raw == "12-13 March 2024"
    ]
    assert got == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2023-12-01", []),
        ("2023-12-02", [("opens_soon", "2023-12-02")]),  # 30 days before 1 January
        ("2024-03-31", [("open", "2024-01-01")]),
        ("2024-04-01", [("overdue", "2024-04-01")]),
        ("2024-06-29", [("overdue", "2024-04-01")]),  # within 90 days of 31 March
        ("2024-06-30", []),  # history now: the web app shows it, mail does not
    ],
)
def test_a_tbc_window_goes_through_its_stages_one_at_a_time(
    imported: Session, day: str, expected: list[tuple[str, str]]
) -> None:
    desk = add_subscriber(imported, "desk@example.eu", now=NOTE_DAY, sections=["serbia"])
    got = [
        (rule, due)
        for rule, _section, raw, due in due_for(imported, desk, at(day))
        if raw == "Q1 2024 (tbc)"
    ]
    assert got == expected


def test_lead_times_are_per_subscriber(imported: Session) -> None:
    early = add_subscriber(
        imported,
        "early@example.eu",
        now=NOTE_DAY,
        sections=["serbia"],
        firm_days=[21, 3],
        tentative_days=60,
    )

    def stages(day: str, raw: str) -> list[tuple[str, str]]:
        return [(r, d) for r, _, text, d in due_for(imported, early, at(day)) if text == raw]

    assert stages("2024-02-19", "12-13 March 2024") == []
    assert stages("2024-02-20", "12-13 March 2024") == [("firm", "2024-02-20")]  # 21 days
    assert stages("2024-03-09", "12-13 March 2024") == [("firm", "2024-03-09")]  # 3 days
    assert stages("2023-11-01", "Q1 2024 (tbc)") == []
    assert stages("2023-11-02", "Q1 2024 (tbc)") == [("opens_soon", "2023-11-02")]  # 60 days


def test_nothing_outside_the_scope_for_those_who_opted_out_or_for_removed_events(
    imported: Session, ingest: Callable[..., Any]
) -> None:
    jrcs_only = add_subscriber(
        imported, "jrc@example.eu", now=NOTE_DAY, everything=True,
        categories=["joint_readmission_committee"],
    )  # fmt: skip
    assert {section for _, section, _, _ in due_for(imported, jrcs_only, NOTE_DAY)} == {
        "serbia",
        "montenegro",
        "azerbaijan",  # "February 2024 (TBC)  Joint Readmission Committee (TBC)"
    }
    quiet = add_subscriber(
        imported, "quiet@example.eu", now=NOTE_DAY, everything=True, reminders=False
    )
    assert due_for(imported, quiet, NOTE_DAY) == []
    china = add_subscriber(imported, "china@example.eu", now=NOTE_DAY, sections=["china"])
    assert ("open", "china", "Q1 2024", "2024-01-01") in due_for(imported, china, NOTE_DAY)
    ingest(V2, at=dt.datetime(2024, 5, 16, tzinfo=dt.UTC))  # removes the Q1 2024 workshop
    assert ("open", "china", "Q1 2024", "2024-01-01") not in due_for(imported, china, NOTE_DAY)


def test_a_section_followed_twice_and_narrowed_to_categories_gives_one_reminder_each(
    imported: Session,
) -> None:
    """Serbia and Montenegro chosen, and their group too: still one reminder per window.

    Of what is due on the note date (the subscriber to everything above), the
    Western Balkans hold the Serbian and Montenegrin tbc JRC windows, open
    since 1 January, and the regional 13-14 February meeting, which is no JRC
    (the JRC-only subscriber above has nothing in the western-balkans section);
    Azerbaijan's JRC window is in the Eastern Partnership.
    """
    desk = add_subscriber(
        imported,
        "jrc-wb@example.eu",
        now=NOTE_DAY,
        sections=["serbia", "montenegro"],
        groups=["Western Balkans"],
        categories=["joint_readmission_committee"],
    )
    assert due_for(imported, desk, NOTE_DAY) == [
        ("open", "montenegro", "Q1/Q2 2024 (tbc)", "2024-01-01"),
        ("open", "serbia", "Q1 2024 (tbc)", "2024-01-01"),
    ]


def test_a_change_to_an_event_someone_was_reminded_of_is_an_update(
    imported: Session, ingest: Callable[..., Any]
) -> None:
    desk = add_subscriber(
        imported, "desk@example.eu", now=NOTE_DAY, sections=[*SMN, "western-balkans"]
    )
    record(
        imported,
        reminder_rows(due_reminders(imported, now=NOTE_DAY, policy=POLICY), now=NOTE_DAY),
        now=NOTE_DAY,
    )
    sent_about = imported.scalars(
        select(LedgerEntry).where(LedgerEntry.subscriber_id == desk.id)
    ).all()
    for entry in sent_about:
        entry.state, entry.sent_at = LedgerState.SENT, NOTE_DAY
    imported.flush()
    assert {e.event.raw_date for e in sent_about} == {
        "Q1 2024 (tbc)",
        "Q1/Q2 2024 (tbc)",
        "13-14 February 2024",
    }

    ingest(V2, at=dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC))
    updates = [
        d for d in due_reminders(imported, now=at("2024-05-16"), policy=POLICY)
        if d.subscriber_id == desk.id and d.rule is Rule.UPDATE
    ]  # fmt: skip
    titles = sorted(imported.get(Event, d.event_id).title for d in updates)  # type: ignore[union-attr]
    # Both JRCs were confirmed; the Western Balkans row they were reminded of did not change.
    assert titles == [
        "10 th EU-Serbia Joint Readmission Committee meeting, Belgrade",
        "8 th EU-Montenegro Joint Readmission Committee meeting",
    ]
    assert {d.due_date for d in updates} == {dt.date(2024, 5, 16)}
    assert all(d.occurrence_key == imported.get(Event, d.event_id).uid for d in updates)  # type: ignore[union-attr]
