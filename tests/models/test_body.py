"""Reading the body an event is a meeting of from its title (docs/series.md)."""

from __future__ import annotations

import pytest

from models.body import body_of, same_body

JFS = "Justice, Freedom and Security Sub-committee"


@pytest.mark.parametrize(
    ("title", "number"),
    [
        ("10 th EU-Georgia Joint Readmission Committee (VTC)", 10),
        ("10th EU-Georgia Joint Readmission Committee, Tbilisi", 10),
        ("Tenth EU-Georgia Joint Readmission Committee", 10),
        ("EU-Georgia Joint Readmission Committee – written exchange", None),
        ("EU-Georgia JRC meeting", None),
    ],
)
def test_ordinals_give_the_number_and_the_rest_is_no_part_of_the_name(
    title: str, number: int | None
) -> None:
    body = body_of(title, "Georgia")
    assert body is not None
    assert (body.name, body.number) == ("Joint Readmission Committee", number)


@pytest.mark.parametrize(
    "title",
    [
        "JLS Subcommittee",
        "JLS Subcommittee with Georgia, Tbilisi",
        "JHA sub-committee, Kyiv",
        "EU-Georgia Justice, Freedom and Security Subcommittee",
        "13th EU-Albania Sub-Committee on Justice, Freedom and Security",
        "5th EU - Kosovo Sub-Committee Meeting on Justice, Freedom and Security",
        "EU-Serbia Subcommittee for Justice, Freedom and Security",
        "EU-Serbia Justice Freedom and Security Sub Committee",
        "10 th Sub-committee on Justice and Home Affairs",
    ],
)
def test_the_justice_sub_committee_is_one_body_under_its_names(title: str) -> None:
    body = body_of(title)
    assert body is not None
    assert body.name == JFS


def test_a_sub_committee_on_justice_and_security_is_another_body() -> None:
    body = body_of("Sub-committee on justice and security", "Tunisia")
    assert body is not None
    assert body.name != JFS
    other = body_of("Sub-committee on Migration and Social Affairs", "Tunisia")
    assert other is not None
    assert other.key != body.key


def test_the_association_council_with_or_without_the_partner_is_one_body() -> None:
    names = {
        body_of(title, "Republic of Moldova")
        for title in (
            "Association Council",
            "EU-Moldova Association Council",
            "EU-Republic of Moldova Association Council",
        )
    }
    assert {(b.key, b.name) for b in names if b} == {("association council", "Association Council")}


def test_the_stabilisation_and_association_council_is_not_its_tail() -> None:
    body = body_of("11th EU-Montenegro Stabilisation and Association Council meeting", "Montenegro")
    assert body is not None
    assert (body.name, body.number) == ("Stabilisation and Association Council", 11)


def test_what_another_event_brings_along_is_cut_off() -> None:
    dialogue = body_of(
        "First meeting of the Migration and Mobility Dialogue back-to-back with the 14 th Joint"
        " Readmission Committee and Talent Partnership roundtable, Islamabad",
        "Pakistan",
    )
    assert dialogue is not None
    assert (dialogue.name, dialogue.number) == ("Migration and Mobility Dialogue", 1)
    jrc = body_of(
        "5th EU-Cabo Verde Joint Readmission Committee meeting + 5th EU-Cabo Verde Joint Visa"
        " Facilitation Committee meeting – Praia",
        "Cabo Verde",
    )
    assert jrc is not None
    assert jrc.name == "Joint Readmission Committee"


def test_numbered_meetings_of_other_bodies() -> None:
    senegal = [
        body_of(title, "Senegal")
        for title in (
            "HOME senior level mission (DDG Luchner) to Dakar for the first technical dialogue"
            " on readmission",
            "3rd Technical Dialogue on readmission at senior level (DDG Luchner, VTC)",
            "4th Technical dialogue with Senegal on Return and Readmission",
        )
    ]
    assert [(b.key, b.number) for b in senegal if b] == [
        ("technical dialogue", 1),
        ("technical dialogue", 3),
        ("technical dialogue", 4),
    ]


def test_the_words_of_the_partner_are_no_part_of_a_name() -> None:
    first = body_of("EU-Cabo Verde Ministerial in Lisbon", "Cabo Verde")
    second = body_of("EU – Cabo Verde Ministerial in Praia", "Cabo Verde")
    assert first is not None
    assert second is not None
    assert first.key == second.key == "ministerial"


@pytest.mark.parametrize(
    "title",
    [
        "Visit by EUSR Annette Weber",
        "First Frontex-led charter flight",
        "Commissioner Johansson's meeting with EU Integration Minister Tanja Mišćević",
        "Second mission of Finnish Foreign Minister Haavisto mandated by the HR/VP",
        "Signature of the amended Visa Facilitation Agreement",
    ],
)
def test_a_title_that_names_no_body_is_in_no_series(title: str) -> None:
    assert body_of(title) is None


def test_names_whose_words_begin_another_are_one_body() -> None:
    assert same_body("salzburg forum", "salzburg forum ministerial")
    assert not same_body("technical dialogue", "technical meeting")
    assert not same_body("forum", "salzburg forum")
