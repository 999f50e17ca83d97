"""SQLAlchemy 2.x models of calendar-svc and the database plumbing.

Imports neither Flask nor the other packages: ``feeds``, ``notifications`` and
``calendar_svc`` depend on this package, never the other way round.
"""

from models.conflict import EventConflict
from models.db import Base, make_engine, make_session_factory
from models.document import DocumentVersion
from models.event import (
    NOTE_FIELDS,
    Category,
    Confidence,
    Event,
    Precision,
    Status,
    confidence_of,
)
from models.occurrence import Occurrence
from models.revision import EventRevision, RevisionKind, data_version
from models.section import Group, Section, section_by_key
from models.subscriber import (
    FeedToken,
    Subscriber,
    SubscriberCategory,
    SubscriberGroup,
    scope_condition,
)

__all__ = [
    "NOTE_FIELDS",
    "Base",
    "Category",
    "Confidence",
    "DocumentVersion",
    "Event",
    "EventConflict",
    "EventRevision",
    "FeedToken",
    "Group",
    "Occurrence",
    "Precision",
    "RevisionKind",
    "Section",
    "Status",
    "Subscriber",
    "SubscriberCategory",
    "SubscriberGroup",
    "confidence_of",
    "data_version",
    "make_engine",
    "make_session_factory",
    "scope_condition",
    "section_by_key",
]
