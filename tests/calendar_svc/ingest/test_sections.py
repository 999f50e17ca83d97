"""Headings OCR has misread, matched to the known section they name."""

from __future__ import annotations

import pytest

from calendar_svc.ingest.sections import closest_section


@pytest.mark.parametrize(
    ("heading", "name"),
    [
        ("M0ROCCO", "Morocco"),
        ("PAK|STAN", "Pakistan"),
        ("CABO VERDEL", "Cabo Verde"),
        ("LIBY A", "Libya"),
        ("IRAO", "Iraq"),  # not Iran: a Q misread as O is OCR's slip, N as O is not
        ("BOSNIA AND HERZEG0VINA", "Bosnia and Herzegovina"),
    ],
)
def test_a_misread_heading_is_the_section_it_is_one_or_two_letters_from(
    heading: str, name: str
) -> None:
    assert closest_section(heading, 75) == name


@pytest.mark.parametrize(
    "text",
    [
        "Delegations will find attached",
        "Last update February 2024",
        "EU",  # too short to say
    ],
)
def test_text_that_names_no_section_is_none(text: str) -> None:
    assert closest_section(text, 75) is None
