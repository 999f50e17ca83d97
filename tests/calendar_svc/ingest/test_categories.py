"""Categories from titles: the specific bodies win over generic words."""

from __future__ import annotations

import pytest

from calendar_svc.ingest.categories import categorise
from models import Category as C


@pytest.mark.parametrize(
    ("title", "outcome", "category"),
    [
        (
            "15 th EU-Pakistan Joint Readmission Committee, Brussels",
            "",
            C.JOINT_READMISSION_COMMITTEE,
        ),
        (
            "5th EU-Cabo Verde Joint Readmission Committee meeting + 5th EU-Cabo Verde Joint Visa"
            " Facilitation Committee meeting – Praia",
            "",
            C.JOINT_READMISSION_COMMITTEE,
        ),
        ("7 th EU-Armenia Joint Visa Facilitation Committee", "", C.VISA_FACILITATION_COMMITTEE),
        ("Meeting with Ambassador of CAMEROON on returns (article 25a VC)", "", C.ARTICLE_25A),
        (
            "Meeting between HOME DDG and the Chinese Ambassador",
            "follow-up article 25a Visa Code",
            C.ARTICLE_25A,
        ),
        ("EU-Georgia Justice, Freedom and Security Subcommittee", "", C.SUBCOMMITTEE),
        ("EU-North Macedonia Sub- Committee meeting on Justice", "", C.SUBCOMMITTEE),
        ("EU-Tunisia Association Council", "", C.MINISTERIAL),
        ("EU-US JHA Ministerial, Lisbon", "", C.MINISTERIAL),
        (
            "12 th round of negotiations of the EU-Nigeria Readmission agreement, Abuja",
            "",
            C.NEGOTIATION_ROUND,
        ),
        ("EU-India Summit", "", C.SUMMIT),
        (
            "Meeting of the members of the European Council with Western Balkans Leaders",
            "",
            C.SUMMIT,
        ),
        ("Senior Officials' Meeting, Lisbon", "", C.SENIOR_OFFICIALS),
        ("EU-WB JHA SOM", "", C.SENIOR_OFFICIALS),
        ("EU-Moldova Association Committee", "", C.SENIOR_OFFICIALS),
        ("EU-Pakistan Political Dialogue, Brussels", "", C.SENIOR_OFFICIALS),
        ("Visit of Commissioner Johansson to Moldova", "", C.MISSION_OR_VISIT),
        ("Frontex follow-up mission", "", C.MISSION_OR_VISIT),
        ("Technical workshop on irregular migration", "", C.TECHNICAL_MEETING),
        ("Webinar on return and reintegration", "", C.TECHNICAL_MEETING),
        ("Steering Committee, Brussels", "", C.TECHNICAL_MEETING),
        ("International Conference on Libya", "", C.CONFERENCE_OR_FORUM),
        ("Salzburg Forum", "", C.CONFERENCE_OR_FORUM),
        ("Signature of the Frontex Status Agreement", "", C.OTHER),
        ("Entry into force of visa free regime for Kosovo passport holders", "", C.OTHER),
        # The outcome decides only Article 25a follow-ups.
        ("Meeting with the Ambassador", "Visit to the border and a workshop", C.OTHER),
    ],
)
def test_category_of_a_title(title: str, outcome: str, category: C) -> None:
    assert categorise(title, outcome) is category
