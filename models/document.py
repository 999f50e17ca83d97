"""One imported version of the Council note."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, intpk, str80, str_enum


class DocumentFormat(StrEnum):
    """The kind of file a version was read from: it says which places a row has
    (a text file's lines, a PDF's pages; every format has tables and rows)."""

    TEXT = "text"
    PDF = "pdf"
    DOCX = "docx"


class DocumentVersion(Base):
    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("sha256"),)

    id: Mapped[intpk]
    #: Council document symbol, e.g. ``5484/24``.
    symbol: Mapped[str80] = mapped_column(index=True)
    #: The date on the note ("Brussels, 6 February 2024").
    document_date: Mapped[dt.date]
    #: Hex SHA-256 of the file's bytes: re-importing the same bytes is a no-op.
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(500))
    size_bytes: Mapped[int]
    #: The file the version was read from. Versions imported before formats
    #: were recorded (migration 0004) were all text files.
    format: Mapped[DocumentFormat] = mapped_column(str_enum(DocumentFormat, "format"))
    #: "No. prev. doc." from the note's header, when it gives one.
    previous_symbol: Mapped[str | None] = mapped_column(String(80))
    #: The version this one corrects (``ingest --replace``), if any.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("document_versions.id"))
    imported_at: Mapped[dt.datetime]

    replaces: Mapped[DocumentVersion | None] = relationship(remote_side="DocumentVersion.id")

    def __repr__(self) -> str:
        return f"<DocumentVersion {self.symbol} {self.sha256[:12]}>"
