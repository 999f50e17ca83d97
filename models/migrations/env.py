"""Alembic environment: migrations run on the connection the caller hands over.

``models.migrate`` passes a connection in ``config.attributes["connection"]``;
the ``alembic`` command line can instead set ``sqlalchemy.url``.
"""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from alembic.runtime.environment import NameFilterType
from sqlalchemy import Connection, engine_from_config, pool
from sqlalchemy.schema import SchemaItem

from models import Base
from models.db import TZDateTime

config = context.config
target_metadata = Base.metadata


def include_object(
    obj: SchemaItem,
    name: str | None,
    type_: NameFilterType,
    reflected: bool,
    compare_to: SchemaItem | None,
) -> bool:
    # APScheduler's job table belongs to the scheduler, not to our schema.
    return not (type_ == "table" and name == "apscheduler_jobs")


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # Migrations must not import model code: TZDateTime is a DateTime on disk.
    if type_ == "type" and isinstance(obj, TZDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        include_object=include_object,
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as conn:
        run_migrations(conn)
