"""Display titles: an event's title as people read it, without the note's typing artefacts.

The stored :attr:`models.Event.title` is the note's text (markup removed and
whitespace collapsed, nothing else: ``docs/dates.md``, "Rows"), and the row
itself stays verbatim in ``Event.source_text``. The title shown in feeds, the
JSON and CSV exports, mails and lists is *computed* from it by
:func:`display_title`, not stored, because:

- the cleaning rules can improve without a data migration, and databases
  imported before them show clean titles at once;
- what an import compares and derives uids from stays what the note says:
  a new event's uid comes from its title without spaces, which joining
  ordinals and repairing hyphens would not change anyway, but dropping "(tbc)"
  would, and rebuilding a database from the same notes must give the same uids;
- one event page can show both, the note's row and the clean title.

What is cleaned:

- Unicode NFC (a PDF's or Word file's "e" + combining accent is one "é");
- split ordinals are joined: "10 th" is "10th", "1 st Semester" "1st Semester";
- a hyphen cut from the word it joins is repaired: "EU- Montenegro" is
  "EU-Montenegro", "Sub- Committee" "Sub-Committee". A suspended hyphen stays:
  "pre- and post-departure", "medium- or long-term";
- a tentative event's title drops its own tbc marker ("High Level Migration
  Dialogue (tbc)"): wherever it is shown, the date says tbc already
  ("(March 2024 tbc) High Level Migration Dialogue").
"""

from __future__ import annotations

import re
import unicodedata

_ORDINAL = re.compile(r"\b(\d+) +(st|nd|rd|th)\b", re.IGNORECASE)
#: A letter or digit, a hyphen, spaces, then a letter or digit
#: that does not start a word of a suspended compound ("pre- and post-").
_CUT_HYPHEN = re.compile(
    r"(?<=[^\W_])- +(?!(?:and|or|to|nor|&|und|et|ou)\b)(?=[^\W_])", re.IGNORECASE
)
#: The words by which the note says that something is to be confirmed (read in
#: any case): the one list, which titles and date cells share. A date cell has
#: a few more (``calendar_svc.ingest.dates``) that a title does not: there,
#: "provisional" or "to be agreed" can be what a meeting is about.
TBC_WORDS = r"tbc|tbd|to\s+be\s+(?:confirmed|determined)"
#: A tbc marker in a title, in parentheses or not: it makes the row tentative
#: (``calendar_svc.ingest.drafts``), and matching leaves it out of the titles it
#: compares (``calendar_svc.ingest.matching``).
TBC = re.compile(rf"\(?\b(?:{TBC_WORDS})\b\)?", re.IGNORECASE)
#: "(tbc)", "[TBC]", or a trailing ", tbc" / "- TBC" / "tbc": what display drops.
_TBC_MARKER = re.compile(
    rf"\s*[(\[]\s*(?:{TBC_WORDS})\s*[)\]]|\s*[,;:\-–]?\s*\b(?:{TBC_WORDS})\s*$", re.IGNORECASE
)


def display_title(title: str, *, tentative: bool = False) -> str:
    """The title as shown to people (see the module docstring).

    Args:
        title: the stored title (the note's text).
        tentative: the event's status is tentative, so what shows its date says tbc.

    >>> display_title("10 th EU- Montenegro Sub- Committee on pre- and post-return")
    '10th EU-Montenegro Sub-Committee on pre- and post-return'
    >>> display_title("High Level Migration Dialogue (tbc)", tentative=True)
    'High Level Migration Dialogue'
    >>> display_title("High Level Migration Dialogue (tbc)")
    'High Level Migration Dialogue (tbc)'
    >>> display_title("Cafe\\u0301 meeting") == "Caf\\u00e9 meeting"
    True
    """
    text = unicodedata.normalize("NFC", title)
    text = _ORDINAL.sub(r"\1\2", text)
    text = _CUT_HYPHEN.sub("-", text)
    if tentative:
        stripped = _TBC_MARKER.sub("", text).strip().rstrip(" ,;:-–")
        if stripped:
            text = stripped
    return text


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary so that with "…" it has at most ``limit`` characters.

    >>> shorten("EU-Serbia Joint Readmission Committee", 25)
    'EU-Serbia Joint…'
    >>> shorten("short", 25)
    'short'
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–") + "…"
