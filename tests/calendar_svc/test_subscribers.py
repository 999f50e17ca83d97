"""``calendar-svc subscribers ...`` and the tokens it hands out, end to end."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from flask import Flask
from icalendar import Calendar

from tests.helpers.commands import Run, Runner

EMAIL = "desk.officer@example.eu"


def token_of(output: str) -> str:
    match = re.search(r"^  ([A-Za-z0-9_-]{43})$", output, re.M)
    assert match, output
    return match.group(1)


def test_add_list_and_remove(imported: Run) -> None:
    added = imported(
        "subscribers", "add", EMAIL, "--name", "Desk Officer",
        "--section", "serbia", "--section", "ME", "--group", "Western Balkans",
        "--category", "joint-readmission-committee", "--category", "ministerial",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout == (
        f"added {EMAIL}: Montenegro, Serbia, group Western Balkans;"
        " only: Joint Readmission Committee, Ministerial\n"
    )
    everyone = imported("subscribers", "add", "Head.Of.Unit@Example.EU", "--all")
    assert everyone.returncode == 0
    listed = json.loads(imported("subscribers", "list", "--format", "json").stdout)
    assert [(s["email"], s["sections"], s["groups"]) for s in listed] == [
        (EMAIL, ["montenegro", "serbia"], ["Western Balkans"]),
        ("head.of.unit@example.eu", [], []),
    ]
    assert listed[0]["categories"] == ["joint_readmission_committee", "ministerial"]
    assert listed[1]["everything"] is True
    assert imported("subscribers", "remove", EMAIL).returncode == 0
    left = json.loads(imported("subscribers", "list", "--format", "json").stdout)
    assert [s["email"] for s in left] == ["head.of.unit@example.eu"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-email", "--all"], "is not a valid email address"),
        ([EMAIL], "say what to follow"),
        ([EMAIL, "--section", "atlantis"], "no section 'atlantis'"),
        ([EMAIL, "--group", "Oceania"], "no group 'Oceania'"),
        ([EMAIL, "--category", "picnic"], "no category 'picnic'"),
    ],
)
def test_bad_subscribers_are_refused_in_one_line(
    imported: Run, args: list[str], message: str
) -> None:
    result = imported("subscribers", "add", *args)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert message in result.stderr
    assert json.loads(imported("subscribers", "list", "--format", "json").stdout) == []


def test_the_same_address_cannot_subscribe_twice(imported: Run) -> None:
    assert imported("subscribers", "add", EMAIL, "--all").returncode == 0
    again = imported(
        "subscribers", "add", EMAIL.upper().replace("EXAMPLE.EU", "example.eu"), "--all"
    )
    assert again.returncode == 1
    assert "already a subscriber" in again.stderr


def test_token_prints_https_then_webcal_links_and_instructions(imported: Run) -> None:
    imported("subscribers", "add", EMAIL, "--section", "serbia", "--group", "asia")
    result = imported(
        "subscribers", "token", EMAIL, env={"CALENDAR_SVC_BASE_URL": "https://cal.example.eu"}
    )
    assert result.returncode == 0, result.stderr
    token = token_of(result.stdout)
    lines = result.stdout.splitlines()
    mine = lines.index("Your selection:")
    assert lines[mine + 1] == f"  https://cal.example.eu/feeds/{token}/mine.ics"
    assert lines[mine + 2] == f"  webcal://cal.example.eu/feeds/{token}/mine.ics"
    assert f"  https://cal.example.eu/feeds/{token}/section/serbia.ics" in lines
    assert f"  https://cal.example.eu/feeds/{token}/group/asia.ics" in lines
    for client in ("Outlook (desktop)", "Outlook on the web", "Thunderbird"):
        assert any(line.startswith(f"  {client}:") for line in lines)


def test_a_new_token_revokes_the_old_one_and_revoke_leaves_none(
    imported: Runner, app_on: Callable[[str], Flask]
) -> None:
    imported("subscribers", "add", EMAIL, "--section", "serbia")
    first = token_of(imported("subscribers", "token", EMAIL).stdout)
    kept = token_of(imported("subscribers", "token", EMAIL, "--keep-others").stdout)
    client = app_on(imported.database).test_client()
    for token in (first, kept):
        assert client.get(f"/feeds/{token}/mine.ics").status_code == 200
    replaced = imported("subscribers", "token", EMAIL)
    assert "(2 earlier token(s) revoked)" in replaced.stdout
    new = token_of(replaced.stdout)
    assert client.get(f"/feeds/{first}/mine.ics").status_code == 404
    assert client.get(f"/feeds/{kept}/mine.ics").status_code == 404
    feed = client.get(f"/feeds/{new}/mine.ics")
    assert len(Calendar.from_ical(feed.data).walk("VEVENT")) == 19
    revoked = imported("subscribers", "token", EMAIL, "--revoke")
    assert revoked.stdout == f"revoked 1 token(s) of {EMAIL}\n"
    assert client.get(f"/feeds/{new}/mine.ics").status_code == 404


def test_removing_a_subscriber_closes_their_feeds(
    imported: Runner, app_on: Callable[[str], Flask]
) -> None:
    imported("subscribers", "add", EMAIL, "--all")
    token = token_of(imported("subscribers", "token", EMAIL).stdout)
    client = app_on(imported.database).test_client()
    assert client.get(f"/feeds/{token}/all.ics").status_code == 200
    imported("subscribers", "remove", EMAIL)
    assert client.get(f"/feeds/{token}/all.ics").status_code == 404


def test_export_ics_is_the_feed(imported: Run) -> None:
    result = imported("export", "--format", "ics", "--section", "serbia", "--now", "2024-02-06")
    assert result.returncode == 0, result.stderr
    calendar = Calendar.from_ical(result.stdout.encode())
    assert str(calendar["X-WR-CALNAME"]) == "Serbia – EU migration dialogues"
    assert len(calendar.walk("VEVENT")) == 19
    everything = imported("export", "--format", "ics", "--now", "2024-02-06")
    assert len(Calendar.from_ical(everything.stdout.encode()).walk("VEVENT")) == 847
