"""Issue 12, item 2: display titles, read off the sample note's titles."""

from __future__ import annotations

import pytest

from models.title import display_title, shorten


@pytest.mark.parametrize(
    ("title", "tentative", "shown"),
    [
        # Sample note, Serbia and Bangladesh rows.
        (
            "10 th EU-Serbia Joint Readmission Committee meeting",
            True,
            "10th EU-Serbia Joint Readmission Committee meeting",
        ),
        ("1 st Semester meeting", False, "1st Semester meeting"),
        (
            "3 rd EU- Bangladesh Joint Working Group on the Standard Operation Procedures",
            False,
            "3rd EU-Bangladesh Joint Working Group on the Standard Operation Procedures",
        ),
        (
            "EU-North Macedonia Sub- Committee meeting on Justice, Freedom and Security - VTC",
            False,
            "EU-North Macedonia Sub-Committee meeting on Justice, Freedom and Security - VTC",
        ),
        ("EU- Ukraine Association Council", False, "EU-Ukraine Association Council"),
        # Suspended hyphens stay ("medium- and long-term" is in the note's text).
        (
            "Medium- and long-term pre- or post-arrival",
            False,
            "Medium- and long-term pre- or post-arrival",
        ),
        # Egypt: "March 2024 | High Level Migration Dialogue (tbc)"; Bangladesh:
        # "February 2024 (TBC) | Joint Readmission Committee (TBC)".
        ("High Level Migration Dialogue (tbc)", True, "High Level Migration Dialogue"),
        ("Joint Readmission Committee (TBC)", True, "Joint Readmission Committee"),
        (
            "Commissioner Johansson visit to Cairo (tbc)",
            True,
            "Commissioner Johansson visit to Cairo",
        ),
        # Not tentative (cancelled, say): the title's tbc is all that says it.
        ("High Level Migration Dialogue (tbc)", False, "High Level Migration Dialogue (tbc)"),
        ("(tbc)", True, "(tbc)"),
        # NFC: a combining acute accent becomes one character.
        ("Lome\u0301 meeting", False, "Lom\u00e9 meeting"),
        # Dashes that are no cut hyphen stay as written.
        (
            "Small Arms and Light Weapons (SALW)- Ministerial",
            False,
            "Small Arms and Light Weapons (SALW)- Ministerial",
        ),
    ],
)
def test_issue_12_display_titles(title: str, tentative: bool, shown: str) -> None:
    assert display_title(title, tentative=tentative) == shown


def test_shorten_cuts_at_a_word_and_never_exceeds_the_limit() -> None:
    text = "The EU-Nigeria Ministerial Summit"
    assert shorten(text, 20) == "The EU-Nigeria…"
    assert shorten(text, len(text)) == text
    assert shorten(text, len(text) - 1) == "The EU-Nigeria Ministerial…"
    assert all(len(shorten(text, n)) <= n for n in range(2, 40))
