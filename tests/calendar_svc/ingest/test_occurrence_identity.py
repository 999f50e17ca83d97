"""Issue 12, item 3: an occurrence's feed UID follows its date, not its place in the list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from calendar_svc.ingest.report import ImportReport
from models import Event, Section
from tests.helpers.data import SAMPLE

Ingest = Callable[..., ImportReport]
LATER = dt.datetime(2024, 5, 16, 9, 0, tzinfo=dt.UTC)
NIGERIA_ROW = "05 January, 24 February, 17 March, 22 May 2023\tMeetings DDG HOME and Nigerian"


def edited_sample(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """The sample note as a later version (symbol 9999/24 of 15 May 2024) with one edit."""
    text = SAMPLE.read_text(encoding="utf-8")
    assert text.count(old) == 1
    text = (
        text.replace(old, new)
        .replace("Brussels, 6 February 2024", "Brussels, 15 May 2024")
        .replace("\n5484/24\n", "\n9999/24\n")
    )
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def nigeria_meetings(session: Session) -> Event:
    return session.scalars(
        select(Event)
        .join(Event.section)
        .where(Section.slug == "nigeria", Event.title.startswith("Meetings DDG HOME"))
    ).one()


def feed_uids(event: Event) -> dict[str, str]:
    """Each occurrence's start date -> its feed UID ("<event uid>-<position>")."""
    return {o.start.isoformat(): f"{event.uid}-{o.position}" for o in event.occurrences}


def test_issue_12_dropping_a_date_keeps_the_uids_of_the_others(
    session: Session, ingest: Ingest, tmp_path: Path
) -> None:
    """Nigeria's four meetings lose 24 February: the other three keep their UIDs."""
    ingest()
    event = nigeria_meetings(session)
    before = feed_uids(event)
    assert list(before) == ["2023-01-05", "2023-02-24", "2023-03-17", "2023-05-22"]
    assert len(set(before.values())) == 4
    edited = edited_sample(
        tmp_path,
        "v2.txt",
        NIGERIA_ROW,
        NIGERIA_ROW.replace("24 February, ", ""),
    )
    report = ingest(edited, at=LATER)
    assert [c.uid for c in report.updated] == [event.uid]
    session.expire_all()
    after = feed_uids(nigeria_meetings(session))
    assert after == {day: uid for day, uid in before.items() if day != "2023-02-24"}


def test_issue_12_a_dropped_position_is_not_given_to_a_new_date(
    session: Session, ingest: Ingest, tmp_path: Path
) -> None:
    """22 May is dropped, then 12 June is added: 12 June gets a UID never seen before,
    and the three dates listed all along keep theirs throughout."""
    ingest()
    first = feed_uids(nigeria_meetings(session))
    dropped = edited_sample(
        tmp_path, "v2.txt", NIGERIA_ROW, NIGERIA_ROW.replace(", 22 May 2023", " 2023")
    )
    ingest(dropped, at=LATER)
    text = dropped.read_text(encoding="utf-8")
    readded = tmp_path / "v3.txt"
    readded.write_text(
        text.replace("17 March 2023\tMeetings DDG", "17 March, 12 June 2023\tMeetings DDG")
        .replace("Brussels, 15 May 2024", "Brussels, 1 July 2024")
        .replace("\n9999/24\n", "\n9998/24\n"),
        encoding="utf-8",
    )
    ingest(readded, at=LATER + dt.timedelta(days=40))
    session.expire_all()
    last = feed_uids(nigeria_meetings(session))
    assert list(last) == ["2023-01-05", "2023-02-24", "2023-03-17", "2023-06-12"]
    for day in ("2023-01-05", "2023-02-24", "2023-03-17"):
        assert last[day] == first[day]
    assert last["2023-06-12"] not in first.values()


def test_issue_12_a_confirmed_date_keeps_the_uid_of_its_tentative_window(
    session: Session, ingest: Ingest, tmp_path: Path
) -> None:
    """Serbia's "Q1 2024 (tbc)" 10th JRC confirmed as 19 March 2024 is the same VEVENT."""
    ingest()
    jrc = session.scalars(
        select(Event)
        .join(Event.section)
        .where(Section.slug == "serbia", Event.raw_date == "Q1 2024 (tbc)")
    ).one()
    (before,) = feed_uids(jrc).values()
    edited = edited_sample(
        tmp_path, "v2.txt", "Q1 2024 (tbc)\t10 th EU-Serbia", "19 March 2024\t10 th EU-Serbia"
    )
    ingest(edited, at=LATER)
    session.expire_all()
    session.refresh(jrc)
    assert feed_uids(jrc) == {"2024-03-19": before}
