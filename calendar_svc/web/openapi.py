"""The OpenAPI 3.1 document of the JSON API, built from the models' own enums.

The sections the database knows are the values of the ``section`` filter for
a signed-in caller only: their slugs name the note's contents (LIMITE), so a
caller without credentials gets the document with ``section`` a plain string.
Text parameters say they take no control character, as the input guard
(``calendar_svc.web.input``) answers one with 400.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from models import (
    Category,
    Confidence,
    DocumentFormat,
    Group,
    Precision,
    RevisionKind,
    Status,
    slug,
)
from models.rhythm import SeriesState

DATE = {"type": "string", "format": "date"}
#: Text without control characters (ECMA-262 pattern, as JSON Schema has them).
TEXT = {"type": "string", "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"}
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
#: Far beyond any real number of events; keeps the value an SQL integer.
MAX_OFFSET = 1_000_000


def _enum(values: Any) -> dict[str, Any]:
    return {"type": "string", "enum": [v.value for v in values]}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


UNAUTHORISED = _error("Not signed in and no valid API token.")
CONTROL_CHARACTER = "a parameter holds a control character"

EVENT_PROPERTIES: dict[str, Any] = {
    "uid": {"type": "string", "description": "Stable for the event's life, across versions."},
    "section": {"type": "string"},
    "section_slug": {"type": "string"},
    "group": _enum(Group),
    "title": {"type": "string"},
    "outcome": {"type": "string"},
    "category": _enum(Category),
    "raw_date": {"type": "string", "description": "The date cell as the note wrote it."},
    "precision": _enum(Precision),
    "status": _enum(Status),
    "confidence": _enum(Confidence),
    "location": {"type": ["string", "null"]},
    "occurrences": {"type": "array", "items": {"$ref": "#/components/schemas/Occurrence"}},
    "source": {
        "type": ["object", "null"],
        "description": (
            "Where the latest note that lists the event has its row (the export's source);"
            " null for an event added by hand."
        ),
        "required": ["document", "format", "table", "row"],
        "properties": {
            "document": {"type": "string", "description": "The note's symbol, e.g. 5484/24."},
            "format": _enum(DocumentFormat),
            "table": {
                "type": ["integer", "null"],
                "minimum": 1,
                "description": (
                    "The n-th events table of the note in reading order; null for a row"
                    " read before tables were recorded whose table is not known."
                ),
            },
            "row": {
                "type": ["integer", "null"],
                "minimum": 1,
                "description": "The row within the table, header not counted.",
            },
            "line": {
                "type": "integer",
                "minimum": 1,
                "description": "Text files: the line on which the row starts.",
            },
            "page": {
                "type": "integer",
                "minimum": 1,
                "description": "PDF files: the page on which the row starts.",
            },
        },
        "additionalProperties": False,
    },
    "revision": {"type": "integer", "minimum": 1},
    "removed": {"type": "boolean"},
}


SERIES: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "section_slug",
        "section",
        "name",
        "events",
        "meetings",
        "median_interval_days",
        "spread_days",
        "last_held",
        "expected",
        "state",
        "sequence_gaps",
    ],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "section_slug": {"type": "string"},
        "section": {"type": "string"},
        "name": {"type": "string"},
        "events": {
            "type": "array",
            "description": "The series' listed events in the note's order.",
            "items": {
                "type": "object",
                "required": ["uid", "sequence"],
                "properties": {
                    "uid": {"type": "string"},
                    "sequence": {
                        "type": ["integer", "null"],
                        "description": "The ordinal the title gives the meeting.",
                    },
                },
            },
        },
        "meetings": {
            "type": "integer",
            "minimum": 1,
            "description": "Events listed, or the highest sequence number if higher.",
        },
        "median_interval_days": {"type": ["integer", "null"]},
        "spread_days": {"type": ["integer", "null"]},
        "last_held": {**DATE, "type": ["string", "null"]},
        "expected": {
            "type": ["object", "null"],
            "description": "The window the next meeting is expected in; null when listed.",
            "required": ["start", "end"],
            "properties": {"start": DATE, "end": DATE},
        },
        "state": _enum(SeriesState),
        "sequence_gaps": {"type": "array", "items": {"type": "integer"}},
    },
}


#: One state of a series, for the pattern of a list of them.
STATE = "({})".format("|".join(s.value for s in SeriesState))


def openapi_document(section_slugs: list[str]) -> dict[str, Any]:
    """The document, with ``section_slugs`` as the values of ``section`` (none: any text).

    Pass the slugs only for a signed-in caller (see the module's docstring).
    """
    event = {"type": "object", "required": list(EVENT_PROPERTIES), "properties": EVENT_PROPERTIES}
    section = {"type": "string", "enum": section_slugs} if section_slugs else TEXT
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "calendar-svc",
            "version": version("calendar-svc"),
            "description": (
                "Events of the Council note on external cooperation in the field of migration"
                " policy (LIMITE). Read-only; sign in, or send an API token as a bearer token."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
        "paths": {
            "/api/v1/events": {
                "get": {
                    "operationId": "listEvents",
                    "summary": "Events, filtered as on the dashboard, by section then row",
                    "parameters": [
                        _query("section", section, "A section's slug (ISO codes work too)."),
                        _query("group", {"enum": [slug(g.value) for g in Group]}, "A group."),
                        _query("category", _enum(Category), "A category."),
                        _query(
                            "tag",
                            {"type": "string", "enum": ["article-25a-follow-up"]},
                            "Only events with this tag (an Article 25a Visa Code follow-up).",
                        ),
                        {
                            "name": "confidence",
                            "in": "query",
                            "description": "Confidences to include (repeat the parameter).",
                            "style": "form",
                            "explode": True,
                            "schema": {"type": "array", "items": _enum(Confidence)},
                        },
                        _query("q", TEXT, "Words in the title or outcome."),
                        _query("removed", {"type": "boolean"}, "Include removed events."),
                        _query(
                            "limit",
                            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                            f"Events per page (default {DEFAULT_LIMIT}).",
                        ),
                        _query(
                            "offset",
                            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
                            "Events to skip.",
                        ),
                    ],
                    "responses": {
                        "200": _ok("A page of events.", "EventPage"),
                        "400": _error(
                            "A filter names nothing, a bad limit or offset,"
                            f" or {CONTROL_CHARACTER}."
                        ),
                        "401": UNAUTHORISED,
                    },
                }
            },
            "/api/v1/events/{uid}": {
                "get": {
                    "operationId": "getEvent",
                    "summary": "One event with its revision history",
                    "parameters": [
                        {
                            "name": "uid",
                            "in": "path",
                            "required": True,
                            "schema": TEXT,
                        }
                    ],
                    "responses": {
                        "200": _ok("The event.", "EventWithHistory"),
                        "400": _error(f"The uid: {CONTROL_CHARACTER}."),
                        "401": UNAUTHORISED,
                        "404": _error("No such event."),
                    },
                }
            },
            "/api/v1/series": {
                "get": {
                    "operationId": "listSeries",
                    "summary": "Recurring bodies with their rhythm and state as of today",
                    "description": (
                        "Each series is the meetings of one body within one section; its"
                        " state says whether a next meeting is listed, due, late or stalled"
                        " by the body's own rhythm (docs/series.md)."
                    ),
                    "parameters": [
                        _query("section", section, "A section's slug (ISO codes work too)."),
                        _query(
                            "state",
                            {"type": "string", "pattern": f"^({STATE})?(,{STATE})*$"},
                            "Only these states, separated by commas: "
                            + ", ".join(s.value for s in SeriesState)
                            + ".",
                        ),
                        _query(
                            "all",
                            {"type": "boolean"},
                            "Also series of a single meeting (default false).",
                        ),
                    ],
                    "responses": {
                        "200": _ok("The series, in the note's order.", "SeriesList"),
                        "400": _error(
                            f"No such section or state, a bad flag, or {CONTROL_CHARACTER}."
                        ),
                        "401": UNAUTHORISED,
                    },
                }
            },
            "/api/v1/sections": {
                "get": {
                    "operationId": "listSections",
                    "summary": "Countries and processes, in the note's order",
                    "responses": {
                        "200": _ok("Every section.", "SectionList"),
                        "401": UNAUTHORISED,
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },
                "Occurrence": {
                    "type": "object",
                    "required": ["start", "end"],
                    "properties": {"start": DATE, "end": DATE},
                },
                "Event": event,
                "EventPage": {
                    "type": "object",
                    "required": ["total", "limit", "offset", "events"],
                    "properties": {
                        "total": {"type": "integer", "minimum": 0},
                        "limit": {"type": "integer"},
                        "offset": {"type": "integer"},
                        "events": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Event"},
                        },
                    },
                },
                "Revision": {
                    "type": "object",
                    "required": [
                        "revision",
                        "kind",
                        "labels",
                        "changes",
                        "document",
                        "actor",
                        "changed_at",
                    ],
                    "properties": {
                        "revision": {"type": "integer", "minimum": 1},
                        "kind": _enum(RevisionKind),
                        "labels": {"type": "array", "items": {"type": "string"}},
                        "changes": {
                            "type": "object",
                            "description": "Field -> [old, new].",
                            "additionalProperties": {"type": "array", "minItems": 2, "maxItems": 2},
                        },
                        "document": {"type": ["string", "null"]},
                        "actor": {"type": ["string", "null"]},
                        "changed_at": {"type": "string", "format": "date-time"},
                    },
                },
                "EventWithHistory": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Event"},
                        {
                            "type": "object",
                            "required": ["revisions"],
                            "properties": {
                                "revisions": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Revision"},
                                }
                            },
                        },
                    ]
                },
                "Section": {
                    "type": "object",
                    "required": ["slug", "name", "group", "iso_code", "events"],
                    "properties": {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "group": _enum(Group),
                        "iso_code": {"type": ["string", "null"]},
                        "events": {"type": "integer", "minimum": 0},
                    },
                },
                "Series": SERIES,
                "SeriesList": {
                    "type": "object",
                    "required": ["today", "series"],
                    "properties": {
                        "today": DATE,
                        "series": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Series"},
                        },
                    },
                },
                "SectionList": {
                    "type": "object",
                    "required": ["sections"],
                    "properties": {
                        "sections": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Section"},
                        }
                    },
                },
            },
        },
    }


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}
