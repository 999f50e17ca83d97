"""Errors the command line and the web app turn into one line or a status code."""


class CalendarSvcError(Exception):
    """Base of the errors a user can fix; the message is one line saying what and where."""


class ConfigError(CalendarSvcError, ValueError):
    """The configuration (file, environment or override) is not valid."""


class BackupError(CalendarSvcError):
    """A backup cannot be made as asked (not SQLite, the file exists, no such folder)."""
