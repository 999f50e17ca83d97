"""Tags: what an event is besides its one category, read from its words.

One tag so far, *Article 25a follow-up*: a contact whose stated purpose is a
follow-up of Article 25a of the Visa Code, whatever its category (a
Commissioner meeting a minister stays ``ministerial`` and is tagged). Feeds
write it as a second ``CATEGORIES`` value. It is computed, not stored: the
rule can improve without a migration.
"""

from __future__ import annotations

import re

ARTICLE_25A_FOLLOW_UP = "Article 25a follow-up"
#: Article 25a of the Visa Code, as the note writes it ("article 25a VC", "Art. 25a").
ARTICLE_25A = r"\b(?:article|art\.?)\s*25\s*a\b|\b25a\b"
#: An outcome that says the contact was an Article 25a follow-up (a mere
#: mention of "the process under article 25a" among other topics is not).
FOLLOW_UP_25A = re.compile(
    r"follow[\s-]*up\b[^.;]{0,40}?(?:" + ARTICLE_25A + r")"
    r"|(?:" + ARTICLE_25A + r")[^.;]{0,20}?\bfollow[\s-]*up",
    re.I,
)


def is_article_25a_follow_up(title: str, outcome: str) -> bool:
    """Whether the title names Article 25a or the outcome says the contact followed it up.

    >>> is_article_25a_follow_up("Meeting with Ambassador (article 25a VC)", "")
    True
    >>> is_article_25a_follow_up("HOME DDG Luchner call", "Follow up article 25a Visa Code")
    True
    >>> is_article_25a_follow_up("VP Schinas' visit", "Returns raised under article 25a.")
    False
    """
    return bool(re.search(ARTICLE_25A, title, re.I) or FOLLOW_UP_25A.search(outcome))


def tags(title: str, outcome: str) -> list[str]:
    """The tags of an event with this title and outcome, for display.

    >>> tags("Call", "Follow-up of art. 25a"), tags("Call", "")
    (['Article 25a follow-up'], [])
    """
    return [ARTICLE_25A_FOLLOW_UP] if is_article_25a_follow_up(title, outcome) else []
