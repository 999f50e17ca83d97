"""SQLAlchemy 2.x models of calendar-svc and the database plumbing.

Imports neither Flask nor the other packages: ``feeds``, ``notifications`` and
``calendar_svc`` depend on this package, never the other way round.
"""

from models.conflict import EventConflict
from models.db import Base, make_engine, make_session_factory
from models.document import DocumentFormat, DocumentVersion
from models.event import (
    CATEGORY_LABELS,
    NOTE_FIELDS,
    Category,
    Confidence,
    Event,
    Precision,
    Status,
    category_by_key,
    confidence_of,
    event_by_uid,
    is_firm_date,
)
from models.ledger import LedgerEntry, LedgerState, Rule, SchedulerHeartbeat
from models.occurrence import Occurrence
from models.revision import EventRevision, RevisionKind, data_version
from models.section import (
    Group,
    Section,
    events_of,
    group_by_key,
    listed_event_counts,
    section_by_key,
    sections_in_order,
    slug,
)
from models.series import (
    Series,
    SeriesBody,
    SeriesChange,
    SeriesMember,
    SeriesRevision,
    place_events,
    series_rhythms,
)
from models.source import SourceRef
from models.subscriber import (
    FeedToken,
    Subscriber,
    SubscriberCategory,
    SubscriberGroup,
    SubscriberLeadDay,
    current_feed_token,
    derive_token,
    followed_sections,
    has_categories,
    in_categories,
    scope_condition,
    token_hash,
)
from models.user import ApiToken, LoginAttempt, Role, SignInLock, User, UserSession

__all__ = [
    "CATEGORY_LABELS",
    "NOTE_FIELDS",
    "ApiToken",
    "Base",
    "Category",
    "Confidence",
    "DocumentFormat",
    "DocumentVersion",
    "Event",
    "EventConflict",
    "EventRevision",
    "FeedToken",
    "Group",
    "LedgerEntry",
    "LedgerState",
    "LoginAttempt",
    "Occurrence",
    "Precision",
    "RevisionKind",
    "Role",
    "Rule",
    "SchedulerHeartbeat",
    "Section",
    "Series",
    "SeriesBody",
    "SeriesChange",
    "SeriesMember",
    "SeriesRevision",
    "SignInLock",
    "SourceRef",
    "Status",
    "Subscriber",
    "SubscriberCategory",
    "SubscriberGroup",
    "SubscriberLeadDay",
    "User",
    "UserSession",
    "category_by_key",
    "confidence_of",
    "current_feed_token",
    "data_version",
    "derive_token",
    "event_by_uid",
    "events_of",
    "followed_sections",
    "group_by_key",
    "has_categories",
    "in_categories",
    "is_firm_date",
    "listed_event_counts",
    "make_engine",
    "make_session_factory",
    "place_events",
    "scope_condition",
    "section_by_key",
    "sections_in_order",
    "series_rhythms",
    "slug",
    "token_hash",
]
