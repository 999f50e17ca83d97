"""Categories from titles: the specific bodies win over generic words, then the level."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from calendar_svc.ingest.drafts import EventDraft, draft_events
from calendar_svc.ingest.text import read_text
from models import Category as C
from models.category import categorise
from models.tag import is_article_25a_follow_up

DATA = Path(__file__).parents[1] / "data"


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
        # The title gives the level (DESIGN: a DDG with an ambassador is senior
        # officials); the outcome's follow-up is the tag, not the category.
        (
            "Meeting between HOME DDG and the Chinese Ambassador",
            "follow-up article 25a Visa Code",
            C.SENIOR_OFFICIALS,
        ),
        ("Discussions on cooperation", "follow-up article 25a Visa Code", C.ARTICLE_25A),
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
        ("Visit of Commissioner Johansson to Moldova", "", C.MINISTERIAL),
        ("Frontex follow-up mission", "", C.MISSION_OR_VISIT),
        ("Technical workshop on irregular migration", "", C.TECHNICAL_MEETING),
        ("Webinar on return and reintegration", "", C.CONFERENCE_OR_FORUM),
        ("Steering Committee, Brussels", "", C.TECHNICAL_MEETING),
        ("International Conference on Libya", "", C.CONFERENCE_OR_FORUM),
        ("Salzburg Forum", "", C.CONFERENCE_OR_FORUM),
        ("Signature of the Frontex Status Agreement", "", C.OTHER),
        ("Entry into force of visa free regime for Kosovo passport holders", "", C.OTHER),
        # The outcome decides only Article 25a follow-ups.
        ("Discussions on cooperation", "Visit to the border and a workshop", C.OTHER),
    ],
)
def test_category_of_a_title(title: str, outcome: str, category: C) -> None:
    assert categorise(title, outcome) is category


@pytest.mark.parametrize(
    ("title", "outcome", "category"),
    [
        (
            "Commissioner Johansson meeting Hamadou Adamou Souley, Minister of Interior",
            "",
            C.MINISTERIAL,
        ),
        ("MD Africa Laranjinha met the Ambassador in Brussels", "", C.SENIOR_OFFICIALS),
        ("DDG Popowski meeting with Deputy Minister of Interior Catakli", "", C.SENIOR_OFFICIALS),
        ("Talent Partnership roundtable", "", C.CONFERENCE_OR_FORUM),
        ("Visit of President Sall to Brussels", "", C.SUMMIT),
        ("Letter from MFA Onyeama to HRVP on Ministerial Roadmap", "", C.OTHER),
        (
            "signature the revised CT Arrangement and bilateral with Commissioner Johansson",
            "",
            C.MINISTERIAL,
        ),
        ("Trainings for EU-Embassies in China on identification of victims", "", C.OTHER),
    ],
)
def test_issue_12_level_decides(title: str, outcome: str, category: C) -> None:
    """Issue 12: meetings are categorised by level, acts are ``other``."""
    assert categorise(title, outcome) is category


@pytest.fixture(scope="module")
def sample_drafts() -> dict[int, EventDraft]:
    note = read_text((DATA / "note_5484_24.txt").read_text(encoding="utf-8").split("\n"))
    return {d.line: d for d in draft_events(note) if d.line is not None}


def test_sample_note_agrees_with_the_checked_table(sample_drafts: dict[int, EventDraft]) -> None:
    """Every row of the tables read by hand gets its category: sample_categories.toml
    (lines 126-932) and sample_categories_933.toml (line 933 to the end)."""
    table = [
        row
        for name in ("sample_categories.toml", "sample_categories_933.toml")
        for row in tomllib.loads((DATA / name).read_text(encoding="utf-8"))["row"]
    ]
    assert len(table) > 700
    wrong = []
    for row in table:
        draft = sample_drafts[row["line"]]
        assert (draft.section.slug, draft.title[:60]) == (row["section"], row["title"])
        if draft.category.value != row["category"]:
            wrong.append((row["line"], draft.title, draft.category.value, row["category"]))
    assert wrong == []


@pytest.mark.parametrize(
    ("title", "outcome", "tagged"),
    [
        (
            "HOME DDG Luchner call with Ethiopian Ambassador",
            "Follow up article 25a Visa Code",
            True,
        ),
        ("Meeting with Ambassador ABE'E of CAMEROON (article 25a VC)", "", True),
        (
            "Meeting between HOME DDG and Egyptian Ambassador",
            "Follow up Article 25a, legal migration",
            True,
        ),
        ("Visit of DFM Khai-rallah to Brussels", "the Visa Code article 25a process", False),
        ("Commissioner Johansson meeting the Minister", "Returns and readmission", False),
    ],
)
def test_article_25a_follow_up_tag(title: str, outcome: str, tagged: bool) -> None:
    """The tag follows the title or an outcome saying "follow-up", whatever the category."""
    assert is_article_25a_follow_up(title, outcome) is tagged


def test_sample_note_tags_the_article_25a_follow_ups(sample_drafts: dict[int, EventDraft]) -> None:
    tagged = {
        line for line, d in sample_drafts.items() if is_article_25a_follow_up(d.title, d.outcome)
    }
    assert tagged == {143, 144, 148, 176, 282, 292, 480, 873}
    assert sample_drafts[176].category is C.SENIOR_OFFICIALS
