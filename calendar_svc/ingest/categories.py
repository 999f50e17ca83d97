"""The category of an event, from the words of its title.

Rules are tried in order and the first that matches wins, so the specific
bodies (Joint Readmission Committee, Article 25a follow-up) come before the
generic ones (visit, workshop). Only when the title says nothing is the outcome
read, and then only for the unmistakable Article 25a follow-ups.

>>> categorise("10 th EU-Serbia Joint Readmission Committee meeting", "")
<Category.JOINT_READMISSION_COMMITTEE: 'joint_readmission_committee'>
>>> categorise("HOME DDG Luchner call with Ethiopian Ambassador", "Follow up article 25a Visa Code")
<Category.ARTICLE_25A: 'article_25a'>
>>> categorise("Visit of Commissioner Johansson", "")
<Category.MISSION_OR_VISIT: 'mission_or_visit'>
"""

from __future__ import annotations

import re

from models import Category

_RULES: tuple[tuple[Category, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern, re.I))
    for category, pattern in (
        (Category.JOINT_READMISSION_COMMITTEE, r"readmission\s+committee|\bJRC\b"),
        (Category.VISA_FACILITATION_COMMITTEE, r"visa\s+facilitation\s+committee"),
        (Category.ARTICLE_25A, r"\b(?:article|art\.?)\s*25\s*a\b|\b25a\b"),
        (Category.SUBCOMMITTEE, r"\bsub[\s-]*(?:committee|group)s?\b"),
        (
            Category.MINISTERIAL,
            r"ministerial|council\s+of\s+ministers|ministers'?\s+meeting|minister\s+meeting"
            r"|\b(?:association|cooperation|co-operation|partnership|stabilisation and association)"
            r"\s+council\b|home\s+affairs\s+council",
        ),
        (
            Category.NEGOTIATION_ROUND,
            r"negotiat|round\s+of\s+talks|\binitial+ing\b",
        ),
        (
            Category.SUMMIT,
            r"\bsummit\b|leaders'?\s+meeting|^european council$|members of the european council",
        ),
        (
            Category.SENIOR_OFFICIALS,
            r"senior\s+officials?'?|\bofficials'?\s+meeting|\bSOM\b|talks\s+\(high-level\)|\b(?:association|cooperation|co-operation|partnership"
            r"|stabilisation and association|SA)\s+committee\b|joint\s+commission"
            r"|(?:political|strategic|high[\s-]level|migration|human rights|structured)\s+dialogue"
            r"|dialogue\s+on|diplomatic\s+consultations|high[\s-]level\s+meeting",
        ),
        (Category.MISSION_OR_VISIT, r"\bvisit|\bmission\b|\btrip\b|\btour\b|\btravel"),
        (
            Category.TECHNICAL_MEETING,
            r"technical|working\s+group|workshop|webinar|seminar|training|expert"
            r"|steering\s+committee|reference\s+group|coordination\s+(?:group|meeting)"
            r"|joint\s+committee|task\s+force|round\s*table|platform|\bpanel\b|thematic"
            r"|drafting\s+committee|operational\s+committee|advisory\s+committee"
            r"|coordination\s+committee|group\s+discussion|policy\s+talk|\bmodule\s+\d",
        ),
        (
            Category.CONFERENCE_OR_FORUM,
            r"conference|\bforum\b|\bdialogue\b|\bevent\b|\bassembly\b|regional\s+review",
        ),
    )
)
_OUTCOME_RULES = frozenset({Category.ARTICLE_25A})


def categorise(title: str, outcome: str) -> Category:
    """Return the first category whose rule matches the title (or, narrowly, the outcome)."""
    for category, pattern in _RULES:
        if pattern.search(title):
            return category
    for category, pattern in _RULES:
        if category in _OUTCOME_RULES and pattern.search(outcome):
            return category
    return Category.OTHER
