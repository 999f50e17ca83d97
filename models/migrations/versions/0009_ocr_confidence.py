"""The OCR confidence of each event's date cell, for rows read from a scan.

Revision ID: 0009
Revises: 0008

``events.ocr_confidence`` (0-100) is how sure OCR was of the date cell when the
note last imported was a scanned PDF read by OCR; it is empty for rows read from
text, Word or a PDF's text layer. Every event stored so far was read without
OCR, so the column starts empty for all of them.

Schema only: no data changes; downgrade drops the column. No batch mode, for
the reason 0004 gives: SQLite adds and drops a plain column in place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("events", sa.Column("ocr_confidence", sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column("events", "ocr_confidence")
