"""An event of the note: a meeting, mission or round, with its date facts.

An event keeps its ``uid`` for life: re-imports match it and record changes
as :class:`~models.revision.EventRevision` rows, bumping ``revision``; an event
a later note no longer lists is marked ``is_removed``, never deleted.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    and_,
    case,
    or_,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.db import Base, intpk, str80, str_enum, text
from models.title import display_title

if TYPE_CHECKING:
    from sqlalchemy.sql.base import ExecutableOption

    from models.document import DocumentVersion
    from models.occurrence import Occurrence
    from models.revision import EventRevision
    from models.section import Section


class Status(StrEnum):
    CONFIRMED = "confirmed"
    TENTATIVE = "tentative"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"


class Precision(StrEnum):
    """The grain of the date expression, finest first (docs/dates.md)."""

    DAY = "day"
    DAYS = "days"
    MONTH = "month"
    MONTHS = "months"
    QUARTER = "quarter"
    QUARTERS = "quarters"
    HALF = "half"
    SEASON = "season"
    YEAR = "year"
    RANGE = "range"
    UNKNOWN = "unknown"


class Confidence(StrEnum):
    FIRM = "firm"
    APPROXIMATE = "approximate"
    TENTATIVE = "tentative"
    OFF = "off"


class Category(StrEnum):
    JOINT_READMISSION_COMMITTEE = "joint_readmission_committee"
    VISA_FACILITATION_COMMITTEE = "visa_facilitation_committee"
    SUBCOMMITTEE = "subcommittee"
    MINISTERIAL = "ministerial"
    ARTICLE_25A = "article_25a"
    SENIOR_OFFICIALS = "senior_officials"
    NEGOTIATION_ROUND = "negotiation_round"
    MISSION_OR_VISIT = "mission_or_visit"
    SUMMIT = "summit"
    TECHNICAL_MEETING = "technical_meeting"
    CONFERENCE_OR_FORUM = "conference_or_forum"
    OTHER = "other"


#: How categories are named to people (feeds, mails, pages).
CATEGORY_LABELS = {
    Category.JOINT_READMISSION_COMMITTEE: "Joint Readmission Committee",
    Category.VISA_FACILITATION_COMMITTEE: "Visa Facilitation Committee",
    Category.SUBCOMMITTEE: "Sub-committee",
    Category.MINISTERIAL: "Ministerial",
    Category.ARTICLE_25A: "Article 25a Visa Code follow-up",
    Category.SENIOR_OFFICIALS: "Senior officials",
    Category.NEGOTIATION_ROUND: "Negotiation round",
    Category.MISSION_OR_VISIT: "Mission or visit",
    Category.SUMMIT: "Summit",
    Category.TECHNICAL_MEETING: "Technical meeting",
    Category.CONFERENCE_OR_FORUM: "Conference or forum",
    Category.OTHER: "Other",
}


def event_by_uid(session: Session, uid: str, *options: ExecutableOption) -> Event | None:
    """An event by its uid (the export's and the feeds'), loaded with ``options``."""
    return session.scalar(select(Event).where(Event.uid == uid).options(*options))


def category_by_key(key: str) -> Category | None:
    """A category by its value or URL form (``mission_or_visit``, ``mission-or-visit``).

    >>> category_by_key("Mission-or-Visit")
    <Category.MISSION_OR_VISIT: 'mission_or_visit'>
    """
    return next((c for c in Category if c.value == key.lower().replace("-", "_")), None)


#: The fields an import reads from the note (besides the occurrences).
NOTE_FIELDS = ("title", "outcome", "category", "raw_date", "status", "precision", "location")


#: The precisions of a firm date: a day, or a span of days.
FIRM_PRECISIONS = (Precision.DAY, Precision.DAYS)


def is_firm_date(status: Status, precision: Precision) -> bool:
    """Whether a date is firm (:attr:`Confidence.FIRM`): confirmed, at day or days precision.

    The one definition of firm: :func:`confidence_of` and :attr:`Event.is_firm`
    (in Python and, for queries, in SQL) follow it.

    >>> is_firm_date(Status.CONFIRMED, Precision.DAYS)
    True
    >>> is_firm_date(Status.CONFIRMED, Precision.MONTH)
    False
    >>> is_firm_date(Status.TENTATIVE, Precision.DAY)
    False
    """
    return status is Status.CONFIRMED and precision in FIRM_PRECISIONS


def confidence_of(status: Status, precision: Precision) -> Confidence:
    """Derive the confidence shown everywhere from status and precision.

    >>> confidence_of(Status.CONFIRMED, Precision.DAYS)
    <Confidence.FIRM: 'firm'>
    >>> confidence_of(Status.CONFIRMED, Precision.QUARTER)
    <Confidence.APPROXIMATE: 'approximate'>
    >>> confidence_of(Status.TENTATIVE, Precision.DAY)
    <Confidence.TENTATIVE: 'tentative'>
    >>> confidence_of(Status.POSTPONED, Precision.DAY)
    <Confidence.OFF: 'off'>
    """
    if status in (Status.CANCELLED, Status.POSTPONED):
        return Confidence.OFF
    if is_firm_date(status, precision):
        return Confidence.FIRM
    if status is Status.TENTATIVE or precision is Precision.UNKNOWN:
        return Confidence.TENTATIVE
    return Confidence.APPROXIMATE


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("uid"),
        Index("ix_events_section_id_position", "section_id", "position"),
    )

    id: Mapped[intpk]
    #: Issued once, never changed: feeds, reminders and people refer to it.
    uid: Mapped[str80]
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"))
    title: Mapped[text]
    outcome: Mapped[text]
    category: Mapped[Category] = mapped_column(str_enum(Category, "category"))
    #: The date cell as the note wrote it.
    raw_date: Mapped[str] = mapped_column(String(500))
    status: Mapped[Status] = mapped_column(str_enum(Status, "status"))
    precision: Mapped[Precision] = mapped_column(str_enum(Precision, "precision"))
    location: Mapped[str | None] = mapped_column(String(200))
    #: How the date was read when it needed help, e.g. "year 2023 inferred from
    #: neighbouring rows".
    date_note: Mapped[str | None] = mapped_column(String(500))
    #: The latest document version that lists the event (None for one made by hand).
    document_version_id: Mapped[int | None] = mapped_column(ForeignKey("document_versions.id"))
    #: Where the event's row stands in that document (see
    #: :class:`~models.source.SourceRef`). The n-th (1-based) "Key past and
    #: upcoming events" table of the document, in reading order; the same for
    #: the text, PDF and Word forms of one note.
    source_table: Mapped[int | None]
    #: 1-based row within that table, the header row not counted.
    source_row: Mapped[int | None]
    #: 1-based line on which the row starts (text files only).
    source_line: Mapped[int | None]
    #: 1-based page on which the row starts (PDF files only).
    source_page: Mapped[int | None]
    #: The row's lines as they stand in that document.
    source_text: Mapped[text]
    #: Order within the section in that document.
    position: Mapped[int]
    #: How sure OCR was (0-100) of the date cell as last imported, when that
    #: document was a scan read by OCR; None when the row was not read by OCR
    #: (text, Word, a PDF's text layer, or an event made by hand). Where the
    #: row stands, like the source fields: a new value is no change of the event.
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    revision: Mapped[int] = mapped_column(default=1)
    #: The position the event's next new occurrence gets (one past the highest
    #: ever issued): a window dropped from the list takes its feed UID with it,
    #: for good (:func:`models.occurrence.keep_positions`).
    next_occurrence_position: Mapped[int] = mapped_column(default=0)
    #: Edited by a person: imports report differences instead of applying them.
    is_manual_override: Mapped[bool] = mapped_column(default=False)
    #: What the note said (NOTE_FIELDS, "occurrences", "removed") when a person
    #: first edited the event, moved forward by each import: imports match and
    #: compare against it, so an edit neither hides the event nor re-raises a
    #: conflict the note has not changed. Written and read as a
    #: :class:`~models.snapshot.NoteSnapshot`.
    note_snapshot: Mapped[dict[str, Any] | None]
    #: The latest note no longer lists it (kept with its uid and history).
    is_removed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    section: Mapped[Section] = relationship(back_populates="events")
    document_version: Mapped[DocumentVersion | None] = relationship()
    occurrences: Mapped[list[Occurrence]] = relationship(
        back_populates="event",
        order_by="(Occurrence.start, Occurrence.end, Occurrence.position)",
        cascade="all, delete-orphan",
    )
    revisions: Mapped[list[EventRevision]] = relationship(
        back_populates="event", order_by="EventRevision.revision"
    )

    @property
    def display_title(self) -> str:
        """The title as shown to people (:func:`models.title.display_title`);
        ``title`` stays the note's text."""
        return display_title(self.title, tentative=self.status is Status.TENTATIVE)

    @hybrid_property
    def is_firm(self) -> bool:
        """Whether the event's date is firm (:func:`is_firm_date`); a condition in queries."""
        return is_firm_date(self.status, self.precision)

    @is_firm.inplace.expression
    @classmethod
    def _is_firm_expression(cls) -> ColumnElement[bool]:
        # is_firm_date, for filtering in SQL.
        return and_(cls.status == Status.CONFIRMED, cls.precision.in_(FIRM_PRECISIONS))

    @hybrid_property
    def confidence(self) -> Confidence:
        return confidence_of(self.status, self.precision)

    @confidence.inplace.expression
    @classmethod
    def _confidence_expression(cls) -> ColumnElement[str]:
        # The same rules as confidence_of, for filtering in SQL.
        return case(
            (cls.status.in_((Status.CANCELLED, Status.POSTPONED)), Confidence.OFF.value),
            (cls.is_firm, Confidence.FIRM.value),
            (
                or_(cls.status == Status.TENTATIVE, cls.precision == Precision.UNKNOWN),
                Confidence.TENTATIVE.value,
            ),
            else_=Confidence.APPROXIMATE.value,
        )

    def __repr__(self) -> str:
        return f"<Event {self.uid} {self.raw_date!r} {self.title[:40]!r}>"


__all__ = [
    "CATEGORY_LABELS",
    "NOTE_FIELDS",
    "Category",
    "Confidence",
    "Event",
    "Precision",
    "Status",
    "confidence_of",
    "is_firm_date",
]
