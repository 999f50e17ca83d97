"""Control characters: the one definition of what text from outside may not hold.

A control character is a C0 control (U+0000-U+001F), DEL (U+007F) or a C1
control (U+0080-U+009F). None belongs in a title, a form or a URL: NUL is
refused by PostgreSQL's text type, ESC and BEL act on a terminal, RFC 5545
forbids them in a calendar and RFC 5322 line breaks in a header. The edges
refuse them (the text form's decoder, the web app's input guard) or, where
nobody typed them (a PDF's or Word file's text), make them spaces; what is
shown from the database passes through :func:`readable` or :func:`one_line`,
for rows stored before. TAB and the line breaks are allowed where a caller
says they mean something.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def find_control(text: str, allowed: str = "") -> int | None:
    """The index of the first control character of ``text`` not in ``allowed``, else None.

    >>> find_control("Praia\\tCabo Verde", allowed="\\t") is None
    True
    >>> find_control("JRC\\x1b[2J meeting")
    3
    """
    for match in _CONTROL.finditer(text):
        if match.group() not in allowed:
            return match.start()
    return None


def describe(character: str) -> str:
    """A control character as people can read it in a one-line message.

    >>> describe("\\x00"), describe("\\x1b")
    ('U+0000', 'U+001B')
    """
    return f"U+{ord(character):04X}"


def printable(text: str, *, keep: str = "\t\n", replacement: str = "\ufffd") -> str:
    """``text`` with each control character not in ``keep`` replaced by ``replacement``.

    For output of what the database holds (terminal, mail): a character that
    could act on the reader's terminal or break a header shows as U+FFFD.

    >>> printable("Q1 2024\\x07 JRC\\x1b[31m")
    'Q1 2024\\ufffd JRC\\ufffd[31m'
    >>> printable("a\\tb\\nc", keep="")
    'a\\ufffdb\\ufffdc'
    """
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else replacement, text)


def readable(text: str) -> str:
    """``text`` for a mail body or a terminal: its line breaks (CRLF, CR) as LF,
    TAB kept, every other control character as U+FFFD.

    >>> readable("Outcome:\\r\\nagreed\\x1b[2J\\x07")
    'Outcome:\\nagreed\\ufffd[2J\\ufffd'
    """
    return printable(text.replace("\r\n", "\n").replace("\r", "\n"))


def one_line(text: str) -> str:
    """``text`` on one line for a mail header: whitespace runs (line breaks too) as one
    space, other control characters as U+FFFD.

    >>> one_line("Reminder: JRC\\r\\nBcc: x@example.eu\\x1b")
    'Reminder: JRC Bcc: x@example.eu\\ufffd'
    """
    return printable(" ".join(text.split()), keep="")
