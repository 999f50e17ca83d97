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
from models.revision import EventRevision, RevisionKind
from models.section import Group, Section

__all__ = [
    "NOTE_FIELDS",
    "Base",
    "Category",
    "Confidence",
    "DocumentVersion",
    "Event",
    "EventConflict",
    "EventRevision",
    "Group",
    "Occurrence",
    "Precision",
    "RevisionKind",
    "Section",
    "Status",
    "confidence_of",
    "make_engine",
    "make_session_factory",
]
