"""The body an event is a meeting of, read from its title (``docs/series.md``).

"11th EU-Pakistan Joint Readmission Committee, VTC" is meeting 11 of the
Joint Readmission Committee; "JLS Subcommittee" and "10th Sub-committee on
Justice and Home Affairs" are meetings of one body, the Justice, Freedom and
Security Sub-committee. Series (:mod:`models.series`) group a section's
events by the body this module reads; it is text only, no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from models.title import display_title

_SUB = r"sub[- ]?committee"
_JFS = r"justice,?\s+(?:freedom|liberty)\s+and\s+security"
_JHA = r"justice\s+and\s+home\s+affairs"
_SA = r"stabili[sz]ation\s+and\s+association"

#: The bodies the note names in many ways: (series name, pattern). Where
#: several match, the leftmost match decides, so "Stabilisation and Association
#: Council" is not read as its tail "Association Council".
NAMED_BODIES = (
    ("Joint Readmission Committee", r"\b(?:joint\s+)?readmission\s+committee\b|\bJRC\b"),
    (
        "Joint Visa Facilitation Committee",
        r"\b(?:joint\s+)?visa\s+facilitation\s+committee\b|\bJVFC\b",
    ),
    (
        "Justice, Freedom and Security Sub-committee",
        rf"\b(?:JLS|JHA|JFS)\s+{_SUB}\b"
        rf"|\b{_SUB}(?:\s+meeting)?\s+(?:on|for)\s+(?:{_JFS}|{_JHA})\b"
        rf"|\b(?:{_JFS}|{_JHA})\s+{_SUB}\b",
    ),
    ("Stabilisation and Association Council", rf"\b{_SA}\s+council\b|\bSA\s+council\b"),
    ("Stabilisation and Association Committee", rf"\b{_SA}\s+committee\b|\bSA\s+committee\b"),
    ("Association Council", r"\bassociation\s+council\b"),
    ("Association Committee", r"\bassociation\s+committee\b"),
    ("Cooperation Council", r"\bco-?operation\s+council\b"),
    ("Partnership Council", r"\bpartnership\s+council\b"),
    ("Human Rights Dialogue", r"\bhuman\s+rights\s+dialogue\b"),
    ("Senior Officials' Meeting", r"\bsenior\s+officials?['’]?\s+meeting\b|\bSOM\b"),
)
_NAMED = re.compile(
    "|".join(f"(?P<b{i}>{pattern})" for i, (_, pattern) in enumerate(NAMED_BODIES)),
    re.IGNORECASE,
)

#: What introduces another event in the same row: the title ends before it.
_OTHER_EVENT = re.compile(
    r"\s*(?:\+|\bback[- ]to[- ]back\b|\b(?:to\s+be\s+)?followed\s+by\b"
    r"|\b(?:in|on)\s+the\s+margins?\s+of\b|\bahead\s+of\b|\bin\s+the\s+framework\s+of\b)",
    re.IGNORECASE,
)

_ORDINAL_WORDS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
_ORDINAL = re.compile(
    rf"\b(?:(?P<digits>\d{{1,3}})(?:st|nd|rd|th)|(?P<word>{'|'.join(_ORDINAL_WORDS)}))\b",
    re.IGNORECASE,
)
#: Where an other body's name ends.
_NAME_END = re.compile(
    r"\s*(?:[,()\[\].;:]|(?<!\bEU)\s[–—-]\s|\s['‘\"“]|\s(?:of|on|with|in|at|for|to|by|between|under)\s)",
    re.IGNORECASE,
)
#: The stops a bare body noun goes on past.
_TOPIC_STOPS = frozenset(("on", "for", "of"))
#: Meetings named by their kind ("Thematic Meeting").
_MEETING_KINDS = frozenset(("thematic", "technical", "expert"))
_LEADING = re.compile(r"^(?:meetings?\s+of\s+(?:the\s+)?|the\s+)", re.IGNORECASE)
_BODY_NOUNS = frozenset(
    [
        "committee",
        "sub-committee",
        "subcommittee",
        "council",
        "dialogue",
        "group",
        "round",
        "meeting",
        "session",
        "conference",
        "forum",
        "ministerial",
        "summit",
        "talks",
        "consultations",
        "platform",
        "process",
        "commission",
        "panel",
    ]
)
#: Words no name is compared by ("EU-Pakistan" is a partner, not part of the name).
_FILLER = frozenset(["eu", "the", "of", "meeting", "meetings", "vtc", "virtual", "online"])
#: "EU – Cabo Verde" is compared as "EU-Cabo Verde" (and its dash ends no name).
_EU_DASH = re.compile(r"\bEU\s*[–—-]\s*")
#: Abbreviations a name is compared by in full: "JHA Ministerial" and "Justice
#: and Home Affairs Ministerial Forum" are one body.
_SPELLED_OUT = {"jha": ("justice", "and", "home", "affairs")}
_NOT_NAME = re.compile(r"\(\s*vtc\s*\)|\bwritten\s+exchange\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Body:
    """What an event's title says it is a meeting of."""

    #: The words names are compared by (:func:`key_words`), space-separated.
    key: str
    #: The series name: a named body's, else the name as the title writes it.
    name: str
    #: The meeting's ordinal ("14th" -> 14), None when the title has none.
    number: int | None
    #: Named in :data:`NAMED_BODIES` (compared by its key only, no prefixes).
    is_named: bool


def body_of(title: str, section_name: str = "") -> Body | None:
    """The body ``title`` names a meeting of, None when it names none.

    Args:
        title: the event's title as stored (the note's text).
        section_name: the section's name, whose words are no part of a key.

    >>> body = body_of("11 th EU-Pakistan Joint Readmission Committee, VTC", "Pakistan")
    >>> body.name, body.number, body.is_named
    ('Joint Readmission Committee', 11, True)
    >>> body_of("4th Technical dialogue with Senegal on Return and Readmission", "Senegal")
    Body(key='technical dialogue', name='Technical dialogue', number=4, is_named=False)
    >>> body_of("Visit by EUSR Annette Weber", "Ethiopia") is None
    True
    """
    text = _OTHER_EVENT.split(display_title(title), maxsplit=1)[0]
    text = _NOT_NAME.sub(" ", text)
    named = _NAMED.search(text)
    if named is not None:
        name = NAMED_BODIES[int(named.lastgroup[1:])][0]  # type: ignore[index]
        ordinals = list(_ORDINAL.finditer(text, 0, named.start()))
        number = _number(ordinals[-1]) if ordinals else None
        return Body(" ".join(key_words(name)), name, number, is_named=True)
    ordinal = _ORDINAL.search(text)
    rest = text[ordinal.end() :] if ordinal else text
    name, head = _other_name(_LEADING.sub("", rest.strip()), section_name)
    words = key_words(name, section_name)
    if not words or not _names_a_body(head, after_ordinal=ordinal is not None):
        return None
    number = _number(ordinal) if ordinal else None
    return Body(" ".join(words), name[0].upper() + name[1:], number, is_named=False)


def _other_name(text: str, section_name: str) -> tuple[str, str]:
    """The name of a body outside :data:`NAMED_BODIES` at the start of ``text``, and its head.

    The head is the name up to the first stop. A bare body noun goes on past
    "on", "for" or "of": "Sub-committee on Human Rights" and "Sub-committee
    on Migration" are two bodies, both sub-committees.
    """
    head = None
    for stop in _NAME_END.finditer(text + " "):
        name = text[: stop.start()].strip()
        head = name if head is None else head
        bare = key_words(name, section_name)
        if not (len(bare) == 1 and bare[0] in _BODY_NOUNS and stop[0].strip() in _TOPIC_STOPS):
            return name, head
    return text.strip(), text.strip() if head is None else head


def _names_a_body(name: str, *, after_ordinal: bool) -> bool:
    """Whether an other body's name names a body (``docs/series.md``, step 3).

    Hyphens part words too: "Ministerial Conference Brdo-Process" ends in a body noun.
    """
    words = re.split(r"[\s\-–]+", name.lower().strip())
    if after_ordinal:
        return bool(_BODY_NOUNS & set(words))
    # "Thematic Meeting" and "Salzburg Forum Meeting" are bodies,
    # "Commissioner Johansson's meeting" is not.
    if words and words[-1] in ("meeting", "meetings"):
        words.pop()
        return bool(words) and (words[-1] in _BODY_NOUNS or words[-1] in _MEETING_KINDS)
    return bool(words) and words[-1] in _BODY_NOUNS


def key_words(name: str, section_name: str = "") -> list[str]:
    """The words a body's name is compared by.

    >>> key_words("EU – Cabo Verde Ministerial Meeting", "Cabo Verde")
    ['ministerial']
    >>> key_words("Sarajevo Migration Dialogue (VTC)")
    ['sarajevo', 'migration', 'dialogue']
    >>> key_words("EU-WB JHA Ministerial")
    ['justice', 'and', 'home', 'affairs', 'ministerial']
    """
    skip = _FILLER | set(_words(section_name))
    parts = _words(_EU_DASH.sub("EU-", _NOT_NAME.sub(" ", name)))
    words = [w for part in parts for w in _SPELLED_OUT.get(part, (part,))]
    return [w for w in words if w not in skip and not w.startswith("eu-")]


def same_body(key: str, other: str) -> bool:
    """Whether two other bodies' keys name one body: one's words begin the other's.

    >>> same_body("salzburg forum", "salzburg forum ministerial")
    True
    >>> same_body("technical dialogue", "technical meeting")
    False
    """
    short, long = sorted((key.split(), other.split()), key=len)
    return long[: len(short)] == short


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", plain)


def _number(ordinal: re.Match[str]) -> int:
    digits = ordinal["digits"]
    return int(digits) if digits else _ORDINAL_WORDS.index(ordinal["word"].lower()) + 1


__all__ = ["NAMED_BODIES", "Body", "body_of", "key_words", "same_body"]
