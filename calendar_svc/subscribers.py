"""Subscribers: adding them with a checked email and scope, listing, removing, and their links.

Used by ``calendar-svc subscribers ...`` (and the web app's subscription page).
Functions flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from calendar_svc.errors import CalendarSvcError
from models import (
    CATEGORY_LABELS,
    Category,
    FeedToken,
    Group,
    Section,
    Subscriber,
    SubscriberCategory,
    SubscriberGroup,
    SubscriberLeadDay,
    category_by_key,
    group_by_key,
    section_by_key,
    sections_in_order,
    slug,
)

HOW_TO_SUBSCRIBE = (
    "Outlook (desktop): Home > Add Calendar > From Internet, and paste the https:// link.",
    "Outlook on the web: Calendar > Add calendar > Subscribe from web, paste the https:// link.",
    "Thunderbird: File > New > Calendar > On the Network, and paste the https:// link.",
    "Apple Calendar and others also take the webcal:// link.",
)


#: The longest reminder lead time, in days: a year ahead.
MAX_LEAD_DAYS = 365


class SubscriberError(CalendarSvcError, ValueError):
    """A subscriber cannot be added, found or changed as asked."""


@dataclass(frozen=True)
class FeedLink:
    label: str
    https: str
    webcal: str


def add_subscriber(
    session: Session,
    email: str,
    *,
    now: dt.datetime,
    name: str = "",
    sections: Sequence[str] = (),
    groups: Sequence[str] = (),
    categories: Sequence[str] = (),
    everything: bool = False,
    firm_days: Sequence[int] = (14, 7, 1),
    tentative_days: int = 30,
    reminders: bool = True,
    digest: bool = True,
) -> Subscriber:
    """Add a subscriber following sections and groups (or everything), narrowed to categories.

    ``firm_days`` are the days before a firm date that they get a reminder;
    ``tentative_days`` how long before a tentative window opens they hear it
    is still unconfirmed.

    Raises:
        SubscriberError: bad email, already subscribed, unknown section, group or
            category, or nothing to follow.
    """
    address = normalise_email(email)
    if session.scalar(select(Subscriber).filter_by(email=address)) is not None:
        raise SubscriberError(f"{address} is already a subscriber")
    subscriber = Subscriber(
        email=address, name=name, unsubscribe_token=secrets.token_urlsafe(32), created_at=now
    )
    update_subscriber(
        session,
        subscriber,
        now=now,
        sections=sections,
        groups=groups,
        categories=categories,
        everything=everything,
        firm_days=firm_days,
        tentative_days=tentative_days,
        reminders=reminders,
        digest=digest,
    )
    session.add(subscriber)
    session.flush()
    return subscriber


def update_subscriber(
    session: Session,
    subscriber: Subscriber,
    *,
    now: dt.datetime,
    sections: Sequence[str],
    groups: Sequence[str],
    categories: Sequence[str],
    everything: bool,
    firm_days: Sequence[int],
    tentative_days: int,
    reminders: bool,
    digest: bool,
) -> None:
    """Set what ``subscriber`` follows and which mails they get (as :func:`add_subscriber`)."""
    if not (sections or groups or categories or everything):
        raise SubscriberError("say what to follow: sections, groups, categories, or everything")
    if any(days < 1 for days in firm_days) or tentative_days < 1:
        raise SubscriberError("reminder lead times are whole numbers of days, at least 1")
    # Every pass counts this many days ahead of today: one subscriber's lead of
    # millions of days would take the reminder pass past 9999 for everyone.
    if any(days > MAX_LEAD_DAYS for days in firm_days) or tentative_days > MAX_LEAD_DAYS:
        raise SubscriberError(f"reminder lead times are at most {MAX_LEAD_DAYS} days")
    subscriber.is_following_everything = everything or not (sections or groups)
    subscriber.wants_reminders = reminders
    subscriber.wants_digest = digest
    subscriber.tentative_lead_days = tentative_days
    subscriber.lead_days = [SubscriberLeadDay(days=days) for days in sorted(set(firm_days))]
    subscriber.sections = sorted(
        (find_section(session, key) for key in _unique(sections)), key=lambda s: s.position
    )
    subscriber.groups = [SubscriberGroup(group=find_group(key)) for key in _unique(groups)]
    subscriber.categories = [
        SubscriberCategory(category=find_category(key)) for key in _unique(categories)
    ]
    # Feed caches of mine.ics key on it.
    subscriber.updated_at = now
    session.flush()


def subscriber_by_email(session: Session, email: str) -> Subscriber | None:
    """The subscriber of an address as stored (a signed-in user's: both are normalised)."""
    return session.scalar(select(Subscriber).filter_by(email=email))


def find_subscriber(session: Session, email: str) -> Subscriber:
    subscriber = subscriber_by_email(session, normalise_email(email))
    if subscriber is None:
        raise SubscriberError(f"no subscriber {email}")
    return subscriber


def remove_subscriber(session: Session, email: str) -> None:
    session.delete(find_subscriber(session, email))
    session.flush()


def unsubscribe(subscriber: Subscriber, *, now: dt.datetime) -> None:
    """Stop every mail to ``subscriber`` (their unsubscribe link); feeds keep working."""
    subscriber.wants_reminders = False
    subscriber.wants_digest = False
    subscriber.updated_at = now


def all_subscribers(session: Session) -> list[Subscriber]:
    return list(session.scalars(select(Subscriber).order_by(Subscriber.email)))


def live_tokens(subscriber: Subscriber) -> list[FeedToken]:
    return [t for t in subscriber.tokens if t.revoked_at is None]


def describe_scope(subscriber: Subscriber) -> str:
    """One line: "Serbia, Montenegro, group Western Balkans; only: Ministerial"."""
    places = (
        ["everything"]
        if subscriber.is_following_everything
        else [s.name for s in subscriber.sections]
        + [f"group {g.group.value}" for g in subscriber.groups]
    )
    text = ", ".join(places)
    if subscriber.categories:
        text += "; only: " + ", ".join(CATEGORY_LABELS[c.category] for c in subscriber.categories)
    return text


def feed_links(base_url: str, token: str, subscriber: Subscriber) -> list[FeedLink]:
    """The subscriber's feeds: their own selection, everything, and each section they follow."""
    paths = [("Your selection", "mine.ics"), ("Everything", "all.ics")]
    paths += [(s.name, f"section/{s.slug}.ics") for s in subscriber.sections]
    paths += [
        (f"Group {g.group.value}", f"group/{slug(g.group.value)}.ics") for g in subscriber.groups
    ]
    return [feed_link(base_url, token, label, path) for label, path in paths]


def feed_link(base_url: str, token: str, label: str, path: str) -> FeedLink:
    """The ``https://`` (or ``http://``) and ``webcal://`` forms of one feed."""
    https = f"{base_url}/feeds/{token}/{path}"
    return FeedLink(label, https, urlunsplit(("webcal", *urlsplit(https)[1:])))


def normalise_email(email: str) -> str:
    """A checked address, lower-cased: mail systems ignore case, so must a subscription."""
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise SubscriberError(f"{email!r} is not a valid email address: {exc}") from None


def find_section(session: Session, key: str) -> Section:
    section = section_by_key(session, key)
    if section is None:
        known = ", ".join(s.slug for s in sections_in_order(session))
        raise SubscriberError(f"no section {key!r}; known: {known or 'none (nothing imported)'}")
    return section


def find_group(key: str) -> Group:
    group = group_by_key(key)
    if group is None:
        known = ", ".join(slug(g.value) for g in Group)
        raise SubscriberError(f"no group {key!r}; known: {known}")
    return group


def find_category(key: str) -> Category:
    category = category_by_key(key)
    if category is None:
        raise SubscriberError(f"no category {key!r}; known: {', '.join(c.value for c in Category)}")
    return category


def _unique(keys: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(keys))
