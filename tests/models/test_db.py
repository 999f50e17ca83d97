"""Column types and the transaction recipe the rest relies on."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from models import DocumentFormat, DocumentVersion, Group, Section

CET = dt.timezone(dt.timedelta(hours=1))


def document(sha: str, imported_at: dt.datetime) -> DocumentVersion:
    return DocumentVersion(
        symbol="1/24",
        document_date=dt.date(2024, 1, 1),
        sha256=sha,
        filename="x.txt",
        size_bytes=1,
        format=DocumentFormat.TEXT,
        imported_at=imported_at,
    )


def test_instants_come_back_aware_and_in_utc(session: Session) -> None:
    session.add(document("a" * 64, dt.datetime(2024, 2, 6, 9, 30, tzinfo=CET)))
    session.flush()
    session.expire_all()
    stored = session.scalars(select(DocumentVersion)).one()
    assert stored.imported_at == dt.datetime(2024, 2, 6, 8, 30, tzinfo=dt.UTC)
    assert stored.imported_at.tzinfo is dt.UTC


def test_a_naive_instant_is_refused(session: Session) -> None:
    session.add(document("b" * 64, dt.datetime(2024, 2, 6, 9, 30)))
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_constraints_are_enforced(session: Session) -> None:
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    session.add(Section(slug="x", name="X", group=Group.ASIA, position=0, created_at=now))
    session.add(Section(slug="x", name="Y", group=Group.ASIA, position=1, created_at=now))
    with pytest.raises(IntegrityError):
        session.flush()


def test_a_commit_inside_a_test_is_undone_by_the_outer_rollback(engine: Engine) -> None:
    """The pysqlite recipe in make_engine: without it a commit would survive."""
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    session.add(Section(slug="leak", name="Leak", group=Group.ASIA, position=0, created_at=now))
    session.commit()
    session.close()
    outer.rollback()
    connection.close()
    with Session(engine) as check:
        assert check.scalar(select(func.count()).where(Section.slug == "leak")) == 0
