"""Where a row stands in a note: the label people read and the export's ``source``."""

from __future__ import annotations

import json

import jsonschema
import pytest

from models import DocumentFormat, DocumentVersion, Event, SourceRef
from tests.helpers.data import DATA


def source_schema() -> dict[str, object]:
    with (DATA / "export.schema.json").open() as f:
        return json.load(f)["items"]["properties"]["source"]


@pytest.mark.parametrize(
    ("source", "label"),
    [
        (
            SourceRef("5484/24", DocumentFormat.PDF, 31, 4, page=12),
            "5484/24, p. 12, table 31 row 4",
        ),
        (
            SourceRef("5484/24", DocumentFormat.TEXT, 31, 4, line=812),
            "5484/24, line 812, table 31 row 4",
        ),
        (SourceRef("5484/24", DocumentFormat.DOCX, 31, 4), "5484/24, table 31 row 4"),
        # Imported before tables were recorded, from a version only partly known.
        (SourceRef("11434/23", DocumentFormat.TEXT, None, 4, line=812), "11434/23, line 812"),
    ],
)
def test_a_row_is_labelled_with_the_places_its_format_gives(source: SourceRef, label: str) -> None:
    assert source.label == label
    assert str(source) == label


@pytest.mark.parametrize(
    "source",
    [
        SourceRef("5484/24", DocumentFormat.PDF, 31, 4, page=12),
        SourceRef("5484/24", DocumentFormat.TEXT, 31, 4, line=812),
        SourceRef("5484/24", DocumentFormat.DOCX, 31, 4),
    ],
)
def test_the_export_object_meets_the_contract(source: SourceRef) -> None:
    jsonschema.validate(source.as_json(), source_schema())


def test_the_export_object_leaves_out_what_the_format_does_not_give() -> None:
    assert SourceRef("5484/24", DocumentFormat.PDF, 31, 4, page=12).as_json() == {
        "document": "5484/24",
        "format": "pdf",
        "table": 31,
        "row": 4,
        "page": 12,
    }
    assert "line" not in SourceRef("5484/24", DocumentFormat.DOCX, 31, 4).as_json()


def test_a_row_whose_table_is_unknown_cannot_meet_the_contract() -> None:
    """What the export says of such a row rather than a made-up table number."""
    unknown = SourceRef("11434/23", DocumentFormat.TEXT, None, 4, line=812)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(unknown.as_json(), source_schema())


def test_an_event_is_placed_in_the_version_that_lists_it() -> None:
    document = DocumentVersion(symbol="5484/24", format=DocumentFormat.PDF)
    event = Event(source_table=31, source_row=4, source_page=12, document_version=document)
    assert SourceRef.of(event) == SourceRef("5484/24", DocumentFormat.PDF, 31, 4, page=12)


def test_an_event_added_by_hand_has_no_source() -> None:
    assert SourceRef.of(Event(document_version=None)) is None
