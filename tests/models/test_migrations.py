"""The Alembic migrations are the schema: applied from empty, they equal the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from models import Base, make_engine
from models.migrate import pending_revisions, upgrade


def test_migrating_an_empty_database_gives_the_models_schema(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    pending = pending_revisions(engine)
    assert pending[0] == "0001"
    assert pending == sorted(pending)
    upgrade(engine)
    assert pending_revisions(engine) == []
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    engine.dispose()


def test_the_session_database_is_at_head(engine: Engine) -> None:
    assert pending_revisions(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert {"events", "occurrences", "sections", "document_versions", "event_revisions"} <= tables
