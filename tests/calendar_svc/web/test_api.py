"""The JSON API: filters, pages, one event, sections, credentials, and its OpenAPI contract."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from calendar_svc.events.editing import add_event
from calendar_svc.users import find_user, issue_api_token
from models import ApiToken, DocumentFormat, Event, Section
from tests.calendar_svc.web.test_pages import JRC, JRC_SHOWN
from tests.helpers.data import DATA
from tests.helpers.servers import serving
from tests.helpers.sites import EDITOR, START, VIEWER, Site, post

#: How the API shows it: the display title (issue 12), "10th" joined.


def viewer_token(site: Site) -> str:
    with site.session() as session, session.begin():
        return issue_api_token(session, find_user(session, VIEWER), name="tests", now=START)


@pytest.fixture
def token(site: Site) -> str:
    return viewer_token(site)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def schema_validator(client: FlaskClient, name: str) -> jsonschema.Draft202012Validator:
    """Validates against a schema of the served OpenAPI document (its $refs resolved)."""
    document = client.get("/api/v1/openapi.json").json
    resource = DRAFT202012.create_resource(document)  # OpenAPI 3.1 schemas are 2020-12
    registry = Registry().with_resource("urn:openapi", resource)
    return jsonschema.Draft202012Validator(
        {"$ref": f"urn:openapi#/components/schemas/{name}"},
        registry=registry,
        format_checker=jsonschema.FormatChecker(),
    )


def section_parameter(document: dict) -> dict:
    parameters = document["paths"]["/api/v1/events"]["get"]["parameters"]
    return next(p for p in parameters if p["name"] == "section")


def test_the_openapi_document_is_valid(client: FlaskClient, token: str) -> None:
    document = client.get("/api/v1/openapi.json", headers=bearer(token)).json
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert len(section_parameter(document)["schema"]["enum"]) == 50  # the sample's sections


def test_without_credentials_the_openapi_document_names_no_section(client: FlaskClient) -> None:
    """The sections' slugs come from the note (LIMITE): only for callers who may read it."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    validate(response.json)
    assert "enum" not in section_parameter(response.json)["schema"]
    assert "serbia" not in response.text
    assert {"Authorization", "Cookie"} <= set(response.vary)


def test_events_of_a_section_in_the_notes_order(client: FlaskClient, token: str) -> None:
    response = client.get("/api/v1/events?section=serbia", headers=bearer(token))
    assert response.status_code == 200
    body = response.json
    schema_validator(client, "EventPage").validate(body)
    assert (body["total"], body["limit"], body["offset"]) == (19, 100, 0)
    lines = [e["source"]["line"] for e in body["events"]]
    assert lines == sorted(lines)
    assert lines[0] == 750  # "17 – 18 June 2021", the first row of the Serbia table
    jrc = next(e for e in body["events"] if e["title"] == JRC_SHOWN)
    assert jrc["raw_date"] == "Q1 2024 (tbc)"
    assert jrc["occurrences"] == [{"start": "2024-01-01", "end": "2024-03-31"}]
    # Serbia's is the note's 22nd events table, the JRC its 18th row (by reading it).
    assert (jrc["confidence"], jrc["source"]) == (
        "tentative",
        {"document": "5484/24", "format": "text", "table": 22, "row": 18, "line": 768},
    )
    # Note-sourced records also meet the export contract outside tools read.
    with (DATA / "export.schema.json").open() as f:
        jsonschema.validate(body["events"], json.load(f))


def test_pages_of_events(client: FlaskClient, token: str) -> None:
    whole = client.get("/api/v1/events?section=serbia", headers=bearer(token)).json["events"]
    page = client.get("/api/v1/events?section=serbia&limit=5&offset=15", headers=bearer(token))
    assert page.json["total"] == 19
    assert [e["uid"] for e in page.json["events"]] == [e["uid"] for e in whole[15:]]


def test_filters_are_the_dashboards(client: FlaskClient, token: str) -> None:
    def uids(query: str) -> list[str]:
        response = client.get(f"/api/v1/events?{query}", headers=bearer(token))
        assert response.status_code == 200, response.json
        return [e["title"] for e in response.json["events"]]

    assert uids("section=RS&confidence=tentative") == [JRC_SHOWN]  # ISO code of Serbia
    assert uids("q=readmission+serbia&category=joint_readmission_committee") == [
        "9th EU-Serbia Joint Readmission Committee meeting, Belgrade",
        JRC_SHOWN,
    ]
    tentative_or_off = uids("section=serbia&confidence=tentative&confidence=off")
    assert tentative_or_off == [JRC_SHOWN]
    assert len(uids("group=western-balkans&limit=500")) > 19


def test_the_article_25a_tag_filters_the_events(client: FlaskClient, token: str) -> None:
    """The eight rows of 5484/24 that are Article 25a follow-ups (lines 143, 144, 148,
    176, 282, 292, 480 and 873), whatever their category."""
    response = client.get("/api/v1/events?tag=article-25a-follow-up", headers=bearer(token))
    assert response.status_code == 200, response.json
    events = response.json["events"]
    assert sorted(e["section"] for e in events) == sorted(
        ["Cameroon"] * 3
        + ["Ethiopia", "Republic of Congo", "Democratic Republic of the Congo", "Egypt", "China"]
    )
    assert {e["category"] for e in events} >= {"senior_officials"}
    refused = client.get("/api/v1/events?tag=picnic", headers=bearer(token))
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("section=atlantis", "no section 'atlantis'"),
        ("section=", "section is empty; leave it out to mean any"),
        ("confidence=sure", "confidence takes firm, approximate, tentative and off"),
        ("limit=0", "limit must be between 1 and 500"),
        ("offset=-1", "offset must be between 0 and 1000000"),
        ("limit=ten", "limit must be a whole number"),
        ("removed=yes", "removed is true or false"),
    ],
)
def test_bad_parameters_are_400_with_a_reason(
    client: FlaskClient, token: str, query: str, error: str
) -> None:
    response = client.get(f"/api/v1/events?{query}", headers=bearer(token))
    assert (response.status_code, response.json) == (400, {"error": error})


def test_one_event_with_its_history(site: Site, client: FlaskClient, token: str) -> None:
    from tests.helpers.sites import sign_in

    uid = site.event("serbia", JRC).uid
    sign_in(client, EDITOR)
    post(client, f"/events/{uid}/confirm", {"start": "2024-03-14"})
    response = client.get(f"/api/v1/events/{uid}", headers=bearer(token))
    assert response.status_code == 200
    schema_validator(client, "EventWithHistory").validate(response.json)
    assert (response.json["raw_date"], response.json["revision"]) == ("14 March 2024", 2)
    first, second = response.json["revisions"]
    assert (first["kind"], first["document"], first["actor"]) == ("created", "5484/24", None)
    assert (second["labels"], second["actor"], second["document"]) == (
        ["date confirmed"],
        EDITOR,
        None,
    )
    missing = client.get("/api/v1/events/no-such-uid", headers=bearer(token))
    assert (missing.status_code, missing.json) == (404, {"error": "no event 'no-such-uid'"})


def test_an_event_says_where_the_note_has_its_row(
    site: Site, client: FlaskClient, token: str
) -> None:
    """The export's source object: page and no line for a PDF, with table and row."""
    uid = site.event("serbia", JRC).uid
    with site.session() as session, session.begin():
        event = session.scalars(select(Event).filter_by(uid=uid)).one()
        assert event.document_version is not None
        event.document_version.format = DocumentFormat.PDF
        event.source_line, event.source_page = None, 19
        event.source_table, event.source_row = 22, 18
    response = client.get(f"/api/v1/events/{uid}", headers=bearer(token))
    schema_validator(client, "EventWithHistory").validate(response.json)
    assert response.json["source"] == {
        "document": "5484/24",
        "format": "pdf",
        "table": 22,
        "row": 18,
        "page": 19,
    }
    with (DATA / "export.schema.json").open() as f:
        item = json.load(f)["items"]
    record = {k: v for k, v in response.json.items() if k != "revisions"}
    jsonschema.validate(record, item)


def test_an_event_added_by_hand_has_no_source(site: Site, client: FlaskClient, token: str) -> None:
    with site.session() as session, session.begin():
        serbia = session.scalars(select(Section).filter_by(slug="serbia")).one()
        uid = add_event(
            session,
            serbia,
            title="EU-Serbia Readmission Expert Meeting",
            date_text="May 2024 (tbc)",
            outcome="",
            actor=EDITOR,
            now=START,
        ).uid
    response = client.get(f"/api/v1/events/{uid}", headers=bearer(token))
    schema_validator(client, "EventWithHistory").validate(response.json)
    assert response.json["source"] is None
    listed = client.get("/api/v1/events?section=serbia&q=expert", headers=bearer(token)).json
    schema_validator(client, "EventPage").validate(listed)
    assert [e["source"] for e in listed["events"]] == [None]


def test_sections(client: FlaskClient, token: str) -> None:
    response = client.get("/api/v1/sections", headers=bearer(token))
    schema_validator(client, "SectionList").validate(response.json)
    sections = {s["slug"]: s for s in response.json["sections"]}
    assert len(sections) == 50
    assert sections["serbia"] == {
        "slug": "serbia",
        "name": "Serbia",
        "group": "Western Balkans",
        "iso_code": "RS",
        "events": 19,
    }


def test_a_signed_in_session_is_enough(viewer: FlaskClient) -> None:
    assert viewer.get("/api/v1/sections").status_code == 200


@pytest.mark.parametrize(
    "header", ["Bearer not-a-token", "Basic dmlld2VyOnB3", "Bearer", "token abc"]
)
def test_other_credentials_are_refused(client: FlaskClient, header: str) -> None:
    response = client.get("/api/v1/events", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="calendar-svc"'


def test_a_revoked_token_is_refused(site: Site, client: FlaskClient, token: str) -> None:
    assert client.get("/api/v1/sections", headers=bearer(token)).status_code == 200
    with site.session() as session, session.begin():
        session.query(ApiToken).update({"revoked_at": START})
    assert client.get("/api/v1/sections", headers=bearer(token)).status_code == 401


def test_schemathesis_finds_no_server_errors(copied_site: Site, tmp_path: Path) -> None:
    """``st run`` over HTTP, every check, a bounded number of examples per operation.

    The server answers in threads of its own: the site has a database of its own.
    """
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st, "schemathesis is not installed in this environment"
    token = viewer_token(copied_site)
    with serving(copied_site.app) as url:
        result = subprocess.run(
            [
                st,
                "run",
                f"{url}/api/v1/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                "all",
                "--max-examples",
                "40",
                "--seed",
                "20240206",
                "--workers",
                "1",
                "--generation-database",
                "none",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
            check=False,
        )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "No issues found" in result.stdout
    assert "4 selected / 4 total" in result.stdout


def test_series_by_state_and_section(client: FlaskClient, token: str) -> None:
    # As of 7 February 2024 (docs/series.md): the EU-Moldova JRC (10th on
    # 15 October 2019, 11th on 18 November 2020) stalled; the JLS/JFS
    # Sub-committee (last on 20 October 2022, every 373 days) is late.
    response = client.get(
        "/api/v1/series?section=moldova&state=late,stalled", headers=bearer(token)
    )
    assert response.status_code == 200
    schema_validator(client, "SeriesList").validate(response.json)
    assert response.json["today"] == "2024-02-07"
    found = {s["name"]: s for s in response.json["series"]}
    assert {name: s["state"] for name, s in found.items()} == {
        "Joint Readmission Committee": "stalled",
        "Justice, Freedom and Security Sub-committee": "late",
    }
    jrc = found["Joint Readmission Committee"]
    assert [e["sequence"] for e in jrc["events"]] == [10, 11]
    assert (jrc["median_interval_days"], jrc["last_held"]) == (400, "2020-11-18")
    assert jrc["expected"] == {"start": "2021-09-14", "end": "2022-04-02"}
    assert jrc["section_slug"] == "moldova"
    everything = client.get("/api/v1/series", headers=bearer(token)).json["series"]
    georgia = next(
        s
        for s in everything
        if s["section_slug"] == "georgia" and s["name"] == "Joint Readmission Committee"
    )
    # The 9th to the 13th held, the 14th listed for Q4 2024 (tbc).
    assert georgia["state"] == "scheduled"
    assert georgia["expected"] is None
    assert [e["sequence"] for e in georgia["events"]] == [9, 10, 11, 12, 13, 14]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (
            "state=overdue",
            "no series state 'overdue'; known: scheduled, irregular, on_track, due, late, stalled",
        ),
        ("section=atlantis", "no section 'atlantis'"),
        ("all=yes", "all is true or false"),
    ],
)
def test_bad_series_parameters_are_400_with_a_reason(
    client: FlaskClient, token: str, query: str, error: str
) -> None:
    response = client.get(f"/api/v1/series?{query}", headers=bearer(token))
    assert (response.status_code, response.json) == (400, {"error": error})
