"""Which section (country or process) a heading of the note names.

Known sections are listed in ``sections.toml`` with their stable slug, display
name, group and ISO code. A heading is compared with their names and aliases
after :func:`normalise_heading`; a slightly reworded heading still matches by
fuzzy comparison. An unknown heading becomes a new section whose slug comes
from its text and whose ISO code, for a country, comes from pycountry.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib import resources

import pycountry
from rapidfuzz import fuzz, process

from models import Group

#: Below this similarity (0-100) a heading is not taken for a known section.
FUZZY_THRESHOLD = 90

_CHAPTERS: tuple[tuple[re.Pattern[str], Group], ...] = (
    (
        re.compile(r"\bsouthern mediterranean\b|\bsouthern neighbourhood\b"),
        Group.SOUTHERN_MEDITERRANEAN,
    ),
    (re.compile(r"\bwestern balkans?\b"), Group.WESTERN_BALKANS),
    (re.compile(r"\beastern partnership countries\b"), Group.EASTERN_PARTNERSHIP),
    (re.compile(r"\basian countries\b|^asia$"), Group.ASIA),
    (re.compile(r"\bafrican countries\b|^africa$|\bsub-saharan africa\b"), Group.AFRICA),
    (re.compile(r"^russia\b|^russian federation\b"), Group.RUSSIA),
    (re.compile(r"^united states\b"), Group.UNITED_STATES),
)
_PARTS = (
    (re.compile(r"\bregional\b"), Group.REGIONAL_PROCESS),
    (re.compile(r"\bglobal\b"), Group.GLOBAL_PROCESS),
)
_SMALL_WORDS = frozenset({"and", "of", "the", "on", "for", "in", "to", "with"})


@dataclass(frozen=True)
class SectionIdentity:
    slug: str
    name: str
    group: Group
    iso_code: str | None
    #: Listed in sections.toml (False: made up from an unknown heading).
    is_known: bool


def normalise_heading(text: str) -> str:
    """Reduce a heading to what identifies it.

    >>> normalise_heading("B. THE EASTERN PARTNERSHIP PLATFORMS.....")
    'eastern partnership platforms'
    >>> normalise_heading("**TÜRKIYE**")
    'turkiye'
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("*", " ").replace("\u2019", "'").strip().lower()
    text = re.sub(r"[.\s]*\d*\s*$", "", text)  # dot leaders and page numbers
    text = re.sub(r"^[a-z]\.\s+", "", text)  # "A. ", "C. "
    text = re.sub(r"^the\s+", "", text)
    return " ".join(text.split())


def slugify(text: str) -> str:
    """A URL-safe slug.

    >>> slugify("Côte d'Ivoire (tbc)")
    'cote-d-ivoire-tbc'
    """
    return "-".join(re.findall(r"[a-z0-9]+", normalise_heading(text)))


def chapter_group(heading: str) -> Group | None:
    """The group a chapter heading ("A. AFRICAN COUNTRIES") opens, if it is one."""
    return _first_group(_CHAPTERS, heading)


def part_group(heading: str) -> Group | None:
    """The group a part heading opens: Part 2 regional processes, Part 3 global ones.

    Part 1 (bilateral) returns None: its chapters give the groups.
    """
    return _first_group(_PARTS, heading)


def _first_group(rules: tuple[tuple[re.Pattern[str], Group], ...], heading: str) -> Group | None:
    key = normalise_heading(heading)
    return next((group for pattern, group in rules if pattern.search(key)), None)


def known_section(heading: str) -> SectionIdentity | None:
    """The known section a heading names, if any (exact, then fuzzy)."""
    key = normalise_heading(heading)
    if not key:
        return None
    registry = _registry()
    if key in registry:
        return registry[key]
    # Short keys ("us", "un") only match exactly: fuzzy matching them is noise.
    if len(key) < 6:
        return None
    match = process.extractOne(key, list(registry), scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
    return registry[match[0]] if match else None


def closest_section(heading: str, cutoff: float) -> str | None:
    """The name of the one known section a misread heading is closest to, if any.

    OCR's confusions are folded first on both sides (0, q and o; 1, l, | and i).
    A tie between two sections is no answer.

    >>> closest_section("PAK1STAN", 75)
    'Pakistan'
    >>> closest_section("Delegations will find attached", 75) is None
    True
    """
    key = _folded(normalise_heading(heading))
    if len(key) < 4:
        return None
    names = _folded_names()
    found = process.extract(key, list(names), scorer=fuzz.ratio, score_cutoff=cutoff, limit=2)
    if not found or (len(found) == 2 and found[1][1] == found[0][1]):
        return None
    return names[found[0][0]]


def section_names() -> frozenset[str]:
    """The display names of the known sections."""
    return frozenset(identity.name for identity in _registry().values())


def _folded(text: str) -> str:
    return text.translate(_OCR_FOLD)


_OCR_FOLD = str.maketrans({"0": "o", "q": "o", "1": "i", "l": "i", "|": "i"})


@functools.cache
def _folded_names() -> dict[str, str]:
    """Each known section's folded name and aliases, with its name."""
    names: dict[str, str] = {}
    for key, identity in _registry().items():
        names.setdefault(_folded(key), identity.name)
    return names


def new_section(heading: str, group: Group) -> SectionIdentity:
    """A section for a heading the registry does not know."""
    return SectionIdentity(
        slug=slugify(heading),
        name=_display_name(heading),
        group=group,
        iso_code=_iso_code(heading),
        is_known=False,
    )


@functools.cache
def _registry() -> dict[str, SectionIdentity]:
    data = tomllib.loads(
        resources.files("calendar_svc.ingest").joinpath("sections.toml").read_text("utf-8")
    )
    registry: dict[str, SectionIdentity] = {}
    for entry in data["section"]:
        identity = SectionIdentity(
            slug=entry["slug"],
            name=entry["name"],
            group=Group(entry["group"]),
            iso_code=entry.get("iso"),
            is_known=True,
        )
        for name in [entry["name"], *entry.get("aliases", [])]:
            registry[normalise_heading(name)] = identity
    return registry


def _display_name(heading: str) -> str:
    text = re.sub(r"^\W*[A-Z]\.\s+", "", heading.replace("*", "")).strip()
    text = re.sub(r"[.\s]*\d*\s*$", "", text)
    if text != text.upper():
        return text
    words = text.lower().split()
    return " ".join(
        w
        if (i and w in _SMALL_WORDS)
        else (w.upper() if len(w) <= 3 and "(" in w else w.capitalize())
        for i, w in enumerate(words)
    )


def _iso_code(heading: str) -> str | None:
    try:
        country = pycountry.countries.lookup(_display_name(heading))
    except LookupError:
        return None
    return country.alpha_2
