"""Why an import was refused; each message is one line saying what and where."""

from calendar_svc.errors import CalendarSvcError


class IngestError(CalendarSvcError, ValueError):
    """The import was refused and the database left as it was."""


class UnreadableDocument(IngestError):
    """The file is not a readable version of the note (empty, binary, truncated, no tables)."""


class DocumentConflict(IngestError):
    """The file clashes with what is already imported (same symbol, other bytes; older note)."""
