"""The category of an event from its words (the rule; the enum is models.event.Category).

DESIGN.md section 3 defines one category per event by what the meeting is and
at which level. Rules are tried in order and the first that matches the title
wins:

1. the named bodies (Joint Readmission / Visa Facilitation Committees, an
   Article 25a follow-up named in the title, sub-committees, negotiation rounds);
2. acts that are no dialogue meeting (a signature, a vote, a letter, a report,
   a funding decision, a training course), unless the title also names a
   meeting or visit ("signature ... and bilateral with Commissioner Johansson");
3. the level, highest first: summit, ministerial (a Commissioner, the High
   Representative or a minister on either side), senior officials;
4. what the meeting is: mission or visit, technical meeting, conference or forum.

Only when the title says nothing is the outcome read, and then only for an
Article 25a follow-up. The tag (:func:`models.tag.is_article_25a_follow_up`) is separate: a
Commissioner meeting a minister stays ``ministerial`` and is tagged when its
outcome says it followed up Article 25a of the Visa Code.

>>> categorise("10 th EU-Serbia Joint Readmission Committee meeting", "")
<Category.JOINT_READMISSION_COMMITTEE: 'joint_readmission_committee'>
>>> categorise("Discussions on cooperation", "Follow up article 25a Visa Code")
<Category.ARTICLE_25A: 'article_25a'>
>>> categorise("HOME DDG Luchner call with Ethiopian Ambassador", "Follow up article 25a Visa Code")
<Category.SENIOR_OFFICIALS: 'senior_officials'>
>>> categorise("Visit of Commissioner Johansson", "")
<Category.MINISTERIAL: 'ministerial'>
"""

from __future__ import annotations

import re

from models.event import Category
from models.tag import ARTICLE_25A, FOLLOW_UP_25A

#: Acts that are no dialogue meeting (DESIGN: "other").
_ACT = re.compile(
    r"\bsign(?:ing|ature|ed)\b|\bletter\b|\bvoted?\b|\bproposal\b|\badopted\b|\bapproved\b"
    r"|entry\s+into\s+force|\breceived\b|note\s+verbale|\bannual\s+report|\breport\s+on\b"
    r"|\btrainings?\b|^agreement\s+on\b|\barrangement\b|status\s+agreement|\bceremony\b"
    r"|\binaugurat|charter\s+flight|^comments\s+from\b",
    re.I,
)
#: A title naming an act and a meeting is the meeting.
_MEETING = re.compile(r"\bvisit|\bbilateral\b|\bmeeting\b|\bmission\b|\bcommittee\b", re.I)

# Lookbehinds keep a deputy minister (senior officials) from counting as a minister.
_MINISTER = (
    r"(?<!deputy )(?<!deputy foreign )(?<!deputy interior )\bminist(?:er|ers)\b"
    r"|(?-i:\bMFA\s+[A-Z][a-z])|\b(?:FM|MoI|Mol|Min)\b"
)

_RULES: tuple[tuple[Category | None, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern, re.I))
    for category, pattern in (
        (Category.JOINT_READMISSION_COMMITTEE, r"readmission\s+committee|\bJRC\b"),
        (Category.VISA_FACILITATION_COMMITTEE, r"visa\s+facilitation\s+committee"),
        (Category.ARTICLE_25A, ARTICLE_25A),
        (Category.SUBCOMMITTEE, r"\bsub[\s-]*(?:committee|group)s?\b"),
        (Category.NEGOTIATION_ROUND, r"negotiat|round\s+of\s+talks"),
        # None: an act, handled in categorise.
        (None, _ACT.pattern),
        (
            Category.SUMMIT,
            # The GFMD's "Summit" is a forum of states and civil society.
            r"(?<!ministerial )(?<!GFMD )\bsummit\b|\bleaders'?\b|^european council$"
            r"|members of the european council|von\s+der\s+leyen"
            r"|(?:president|charles)\s+michel\b(?!\s+aoun)|european\s+council\s+president"
            r"|president\s+of\s+the\s+european\s+council|\bPEC\b|\bPCOM\b",
        ),
        (
            Category.MINISTERIAL,
            r"ministerial|council\s+of\s+ministers|"
            + _MINISTER
            + r"|(?<!cabinet of )(?:commissioner|\bcsr\b)"
            r"|\bE?VP\b|\bHR\s*/?\s*VP\b|high\s+representative|vice-president|\bprincipals\b"
            r"|\b(?:association|cooperation|co-operation|partnership|stabilisation and association)"
            r"\s+council\b|home\s+affairs\s+council|intergovernmental\s+conference"
            r"|college[\s-]to[\s-]college|commission[\s-]to[\s-]commission|\bC2C\b",
        ),
        # A partner's head of state or government visiting.
        (
            Category.SUMMIT,
            r"visit\s+of\s+(?:\w+\s+)?(?:PM|president|prime\s+minister)\b|president\s+\w+\s+visits",
        ),
        # A many-party conference named a "dialogue".
        (Category.CONFERENCE_OR_FORUM, r"sarajevo\s+migration\s+dialogue"),
        (
            Category.SENIOR_OFFICIALS,
            r"senior\s+officials?'?|senior[\s-]level|\bofficials'?\s+meeting|\bSOM\b"
            r"|talks\s+\(high-level\)|\b(?:association|cooperation|co-operation|partnership"
            r"|stabilisation and association|SA)\s+committee\b|joint\s+commission"
            r"|\bEU\s*[-–]\s*\w+\s+joint\s+committee"
            r"|(?:political|strategic|high[\s-]level|migration|mobility|human rights|structured"
            r"|CT|drugs)\s+dialogue"
            r"|(?<!expert )dialogue\s+on|diplomatic\s+consultations"
            r"|high[\s-]level\s+(?:thematic\s+)?(?:meeting|visit|event)"
            r"|\bDDG\b|\bDG\s+(?!HOME\b|NEAR\b|INTPA\b|ECHO\b|ECFIN\b|MOVE\b)|acting\s+DG\b"
            r"|director[\s-]general|managing\s+director|\bMDA?\b|ambassador|\bHoMs?\b"
            r"|\bEU\s*DEL\b|EU\s+Delegation|\bEUSR\b|special\s+representative|head\s+of\s+cabinet"
            r"|\bsherpa\b|permanent\s+(?:secretary|representatives?)|\bCT\s+coordinator"
            r"|counter-?terrorism\s+(?:dialogue\s+)?coordinator|\bEUMC\b"
            r"|deputy\s+(?:\w+\s+)?minister|\bDFM\b|special\s+envoy|\bDSG\b|\bDMD\b",
        ),
        # What the row names first when it names two gatherings
        # ("Roundtable and study visit"), and platforms whatever their level.
        (
            Category.CONFERENCE_OR_FORUM,
            r"^(?:\w+\s+){0,2}(?:conference|webinar|round\s*table)\b|platform",
        ),
        (Category.MISSION_OR_VISIT, r"\bvisit|\bmissions?\b|\btrip\b|\btour\b|\btravel"),
        (
            Category.TECHNICAL_MEETING,
            r"technical|working\s+group|workshop|expert|steering\s+committee|reference\s+group"
            r"|coordination\s+(?:group|meeting|committee)|joint\s+committee|task\s+force|thematic"
            r"|drafting\s+committee|operational\s+committee|advisory\s+committee|\bcluster\b"
            r"|group\s+discussion|\bmodule\s+\d|\bnetwork\b|consultation\s+meeting"
            r"|\bimplement|\bco-chairs\b|team\s+europe|practitioners"
            r"|\bwith\s+(?:the\s+)?(?:\w+\s+){0,3}authorit(?:y|ies)\b",
        ),
        (
            Category.CONFERENCE_OR_FORUM,
            r"conference|\bforum\b|\bdialogue\b|\bevent\b|\bassembly\b|regional\s+review"
            r"|seminar|webinar|round\s*table|table\s+ronde|\bpanel\b|concertation|policy\s+talk"
            r"|process\s+(?:virtual\s+)?meeting|\bGFMD\b",
        ),
    )
)


def categorise(title: str, outcome: str) -> Category:
    """Return the category of an event from its title (or, narrowly, its outcome).

    Args:
        title: the event's title, as cleaned from the note.
        outcome: the outcome cell, read only for an Article 25a follow-up when
            no rule matches the title.

    Returns:
        The first category whose rule matches; :attr:`Category.OTHER` otherwise.
    """
    for category, pattern in _RULES:
        if pattern.search(title):
            if category is None:
                if _MEETING.search(title):
                    continue
                return Category.OTHER
            return category
    if FOLLOW_UP_25A.search(outcome):
        return Category.ARTICLE_25A
    return Category.OTHER
