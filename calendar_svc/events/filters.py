"""The filters of the dashboard and the JSON API, read from query parameters.

``section`` (slug or ISO code), ``group`` (slug), ``category``, ``tag``
(``article-25a-follow-up``), ``confidence`` (repeatable or comma-separated) and
``q`` (words in the title or outcome). An unknown value is a
:class:`FilterError` (400), never silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from calendar_svc.errors import CalendarSvcError
from models import Confidence, Event, Section, category_by_key, group_by_key, section_by_key, slug
from models.tag import ARTICLE_25A_FOLLOW_UP, is_article_25a_follow_up


class FilterError(CalendarSvcError, ValueError):
    """A filter value names nothing."""


@dataclass(frozen=True)
class EventFilter:
    section: str = ""
    group: str = ""
    category: str = ""
    tag: str = ""
    confidences: tuple[str, ...] = field(default_factory=tuple)
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str], lists: Mapping[str, Sequence[str]]) -> EventFilter:
        confidences = tuple(
            part.strip()
            for value in lists.get("confidence", ())
            for part in value.split(",")
            if part.strip()
        )
        return cls(
            section=args.get("section", "").strip(),
            group=args.get("group", "").strip(),
            category=args.get("category", "").strip(),
            tag=args.get("tag", "").strip(),
            confidences=confidences,
            q=" ".join(args.get("q", "").split())[:200],
        )

    def condition(self, session: Session) -> ColumnElement[bool]:
        """SQL condition on ``Event`` joined with ``Section``."""
        conditions: list[ColumnElement[bool]] = [true()]
        if self.section:
            section = section_by_key(session, self.section)
            if section is None:
                raise FilterError(f"no section {self.section!r}")
            conditions.append(Event.section_id == section.id)
        if self.group:
            group = group_by_key(self.group)
            if group is None:
                raise FilterError(f"no group {self.group!r}")
            conditions.append(Section.group == group)
        if self.category:
            category = category_by_key(self.category)
            if category is None:
                raise FilterError(f"no category {self.category!r}")
            conditions.append(Event.category == category)
        if self.tag:
            if slug(self.tag) != slug(ARTICLE_25A_FOLLOW_UP):
                raise FilterError(f"no tag {self.tag!r}; there is article-25a-follow-up")
            conditions.append(Event.id.in_(_article_25a_follow_ups(session)))
        if self.confidences:
            try:
                wanted = [Confidence(c).value for c in self.confidences]
            except ValueError:
                raise FilterError("confidence takes firm, approximate, tentative and off") from None
            conditions.append(Event.confidence.in_(wanted))
        for word in self.q.split():
            # autoescape: a "%" or "_" typed in the search box is text, not a wildcard.
            conditions.append(
                or_(
                    Event.title.icontains(word, autoescape=True),
                    Event.outcome.icontains(word, autoescape=True),
                )
            )
        return and_(*conditions)

    @property
    def is_active(self) -> bool:
        return bool(
            self.section or self.group or self.category or self.tag or self.confidences or self.q
        )


def _article_25a_follow_ups(session: Session) -> list[int]:
    """The ids of the events tagged as Article 25a follow-ups.

    The tag is computed from the words (``models.tag``), which SQL cannot match
    alike on SQLite and PostgreSQL; every tagged event mentions "25", so only
    those few rows are read.
    """
    rows = session.execute(
        select(Event.id, Event.title, Event.outcome).where(
            or_(Event.title.contains("25"), Event.outcome.contains("25"))
        )
    )
    return [id_ for id_, title, outcome in rows if is_article_25a_follow_up(title, outcome)]
