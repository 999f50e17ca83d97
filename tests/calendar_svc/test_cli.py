"""The command line contract of DESIGN.md section 4 (in process; the entry point and
``serve`` through the installed script)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, select

from calendar_svc.ingest.note import Note
from calendar_svc.ingest.source import SourceFile
from tests.helpers import documents
from tests.helpers.commands import Run, Runner
from tests.helpers.confidence import SAMPLE_LOW, scanned
from tests.helpers.data import SAMPLE, V2


def snapshot(database: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table: what "the database is unchanged" means."""
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            metadata = MetaData()
            metadata.reflect(connection)
            return {
                name: sorted(connection.execute(select(table)).all(), key=repr)
                for name, table in sorted(metadata.tables.items())
            }
    finally:
        engine.dispose()


def test_help_lists_the_commands(run: Runner) -> None:
    """Through the installed console script: the entry point itself."""
    result = run.script("--help")
    assert result.returncode == 0
    for command in ("init-db", "ingest", "export", "agenda", "serve", "check"):
        assert command in result.stdout


def test_the_same_commands_work_under_flask(run: Runner) -> None:
    """``flask --app calendar_svc <command>`` (DESIGN section 4), through Flask's own script."""
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run(
        [str(flask), "--app", "calendar_svc", "init-db"],
        capture_output=True,
        text=True,
        cwd=run.cwd,
        env=run.environment({"CALENDAR_SVC_DATABASE_URL": run.database}),
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("database schema up to date (")
    assert json.loads(run("export").stdout) == []


def test_ingest_prints_a_summary(run: Run) -> None:
    run("init-db")
    result = run("ingest", str(SAMPLE), "--now", "2024-02-07")
    assert result.returncode == 0
    assert result.stdout.startswith("5484/24 of 6 February 2024 (note_5484_24.txt): imported\n")
    assert (
        "  events: 836 (836 new, 0 changed, 0 unchanged, 0 removed, 0 listed again)"
        in result.stdout
    )
    assert "  unreadable date cells: none" in result.stdout
    assert "read by OCR" not in result.stdout  # a text file: no line for OCR
    # Line 1401: the 10th row of the 43rd table (the Africa-EU Migration and Mobility Dialogue).
    assert "line 1401, table 43 row 10: 'March/April (tbc)': year 2024 inferred" in result.stdout


def scanned_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """``ingest`` reads the sample as if from a scan: its rows get SAMPLE_LOW's confidences."""
    from calendar_svc.ingest import source as ingest_source

    load_note = ingest_source.load_note

    def load_scanned(source: SourceFile, **kwargs: Any) -> Note:
        return scanned(load_note(source, **kwargs), SAMPLE_LOW)

    monkeypatch.setattr(ingest_source, "load_note", load_scanned)


def test_ingest_lists_the_date_cells_read_by_ocr_to_check(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under ``ingest.ocr_review_below`` (80 by default), in the note's order."""
    run("init-db")
    scanned_reading(monkeypatch)
    result = run("ingest", str(SAMPLE), "--now", "2024-02-07", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert (
        "  read by OCR: 836 rows; date cells to check (under 80% confidence): 3\n"
        "    line 124, table 1 row 4: '30 January 2020': 79.6% confidence\n"
        "    line 768, table 22 row 18: 'Q1 2024 (tbc)': 41.5% confidence\n"
        "    line 1261, table 38 row 2: '22 November 2019': 62.0% confidence\n"
        "  conflicts with hand edits: none\n"
    ) in result.stdout
    result = run(
        "ingest",
        str(SAMPLE),
        "--now",
        "2024-02-07",
        env={"CALENDAR_SVC_INGEST_OCR_REVIEW_BELOW": "50"},
    )
    assert result.returncode == 0, result.stderr
    assert (
        "  read by OCR: 836 rows; date cells to check (under 50% confidence): 1\n"
        "    line 768, table 22 row 18: 'Q1 2024 (tbc)': 41.5% confidence\n"
        "  conflicts"
    ) in result.stdout


def test_a_dry_run_prints_the_diff_and_writes_nothing(imported: Runner) -> None:
    before = snapshot(imported.database)
    result = imported("ingest", str(V2), "--dry-run", "--now", "2024-05-16")
    assert result.returncode == 0, result.stderr
    assert "dry run, nothing written" in result.stdout
    # Line 784 of note_v2.txt: the 18th row of the 23rd table (Serbia's, after Togo's).
    change = "~ serbia line 784, table 23 row 18: 10 th EU-Serbia Joint Readmission Committee"
    assert change in result.stdout
    assert "- russia: EU-Russia Joint Readmission Committee, Brussels [removed]" in result.stdout
    assert snapshot(imported.database) == before


def test_reingesting_the_same_file_does_nothing(imported: Runner) -> None:
    before = snapshot(imported.database)
    result = imported("ingest", str(SAMPLE))
    assert result.returncode == 0
    assert "already imported" in result.stdout
    assert snapshot(imported.database) == before


def bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    text = SAMPLE.read_text(encoding="utf-8")
    files = {
        "empty": ("", "the file is empty"),
        "binary": (None, "not a text file"),
        "no tables": (
            "Minutes of a meeting.\nNothing else.\n",
            "no 'Key past and upcoming events'",
        ),
        "truncated": (text[: len(text) // 3], "looks truncated"),
        "same symbol, other bytes": (text.replace("Q4 2024 (tbc)", "Q4 2024"), "--replace"),
    }
    paths = {}
    for name, (content, message) in files.items():
        path = tmp_path / f"{name.replace(' ', '_').replace(',', '')}.txt"
        if content is None:
            path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)
        else:
            path.write_text(content, encoding="utf-8")
        paths[name] = (path, message)
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(600_000_000)
    paths["several hundred MB"] = (huge, "600.0 MB is larger than")
    paths["missing path"] = (tmp_path / "nope.txt", "no such file")
    return paths | bad_documents(tmp_path)


def bad_documents(folder: Path) -> dict[str, tuple[Path, str]]:
    """PDF and Word files that are no readable note (tests/helpers/documents.py)."""
    huge = folder / "huge.pdf"
    with huge.open("wb") as f:
        f.write(b"%PDF-1.7\n")
        f.truncate(400_000_000)
    return {
        "encrypted PDF": (documents.encrypted_pdf(folder), "protected by a password"),
        "PDF of blank pages": (documents.blank_pdf(folder), "no text and no scanned pages"),
        "PDF without events tables": (documents.NOT_A_NOTE_PDF, "no 'Key past and upcoming"),
        "Word file without events tables": (
            documents.NOT_A_NOTE_DOCX,
            "no 'Key past and upcoming",
        ),
        "truncated PDF": (documents.truncated(documents.SAMPLE_PDF, folder), "PDF is truncated"),
        "truncated Word file": (
            documents.truncated(documents.SAMPLE_DOCX, folder),
            "damaged or truncated",
        ),
        "damaged PDF": (documents.damaged_pdf(folder), "the PDF is damaged"),
        "damaged Word file": (documents.broken_xml_docx(folder), "the Word file is damaged"),
        ".docm": (documents.macro_enabled(folder), "macro-enabled Word document"),
        "other ZIP": (documents.other_zip(folder), "a ZIP archive, not a Word document"),
        "ZIP bomb": (documents.zip_bomb_docx(folder), "unpacks to 251 MB"),
        "PDF of several hundred MB": (huge, "400.0 MB is larger than"),
    }


def test_bad_input_gets_one_line_exit_1_and_leaves_the_database_as_it_was(
    imported: Runner, tmp_path: Path
) -> None:
    before = snapshot(imported.database)
    for name, (path, message) in bad_inputs(tmp_path).items():
        result = imported("ingest", str(path))
        assert result.returncode == 1, (name, result.stderr)
        assert result.stdout == "", name
        lines = result.stderr.strip().split("\n")
        assert len(lines) == 1, (name, result.stderr)
        assert lines[0].startswith("Error: "), name
        assert message in lines[0], (name, lines[0])
        assert snapshot(imported.database) == before, name


def test_a_pdf_over_the_page_limit_is_refused(imported: Runner) -> None:
    before = snapshot(imported.database)
    result = imported("ingest", str(documents.V2_PDF), env={"CALENDAR_SVC_INGEST_MAX_PAGES": "50"})
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: {documents.V2_PDF}: the PDF has 93 pages, more than the 50 accepted"
        " (setting ingest.max_pages)\n"
    )
    assert snapshot(imported.database) == before


def test_several_notes_in_any_form_are_imported_oldest_first(run: Run) -> None:
    """Given newest first, the Word v2 still goes on top of the PDF sample."""
    run("init-db")
    result = run("ingest", str(documents.V2_DOCX), str(documents.SAMPLE_PDF), "--now", "2024-05-16")
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.split("\n9876/24 of 15 May 2024")
    assert first.startswith("5484/24 of 6 February 2024 (note_5484_24.pdf): imported\n")
    assert "  events: 836 (836 new," in first
    assert second.startswith(" (note_v2.docx): imported\n")
    assert "  events: 833 (4 new, 8 changed, 821 unchanged, 7 removed, 0 listed again)" in second
    records = json.loads(run("export", "--section", "serbia").stdout)
    jrc = next(r for r in records if r["title"].startswith("10th EU-Serbia"))
    # In 9876/24 Serbia's is the 23rd table (Togo's came in before it), the JRC its 18th row.
    assert jrc["source"] == {"document": "9876/24", "format": "docx", "table": 23, "row": 18}
    assert jrc["revision"] == 2


def test_symbol_and_date_options_name_one_file(run: Run) -> None:
    result = run("ingest", str(SAMPLE), str(V2), "--symbol", "5484/24")
    assert result.returncode == 2
    assert "give one PATH" in result.stderr


def test_serve_answers_http_until_stopped(imported: Runner) -> None:
    """The README's development server serves the app (it once returned at once,
    serving nothing, because Flask ignores app.run() under its command line)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with imported.start("serve", "--host", "127.0.0.1", "--port", str(port)) as server:
        try:
            assert server.stdout is not None
            started = ""
            for line in server.stdout:  # the server says when it listens
                started += line
                if f"Running on http://127.0.0.1:{port}" in line:
                    break
            assert server.poll() is None, started
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as page:
                assert page.status == 200
                assert "Sign in" in page.read().decode()
        finally:
            server.terminate()


def test_an_older_note_is_refused(run: Run, database: str) -> None:
    run("init-db")
    assert run("ingest", str(V2)).returncode == 0
    before = snapshot(database)
    result = run("ingest", str(SAMPLE))
    assert result.returncode == 1
    assert "older than 9876/24" in result.stderr
    assert snapshot(database) == before


def test_usage_errors_exit_2(run: Run) -> None:
    assert run("ingest").returncode == 2
    assert run("export", "--format", "xml").returncode == 2
    assert run("agenda", "--now", "tomorrow").returncode == 2


def test_export_json_follows_the_contract(imported: Run) -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((Path(__file__).parents[1] / "data" / "export.schema.json").read_text())
    result = imported("export", "--format", "json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    Draft202012Validator(schema).validate(records)
    assert len(records) == 836
    # The first three rows of the first table (Cabo Verde), from line 121 of the text.
    assert [r["source"] for r in records[:3]] == [
        {"document": "5484/24", "format": "text", "table": 1, "row": n, "line": 120 + n}
        for n in (1, 2, 3)
    ]
    serbia_jrc = next(
        r for r in records if r["raw_date"] == "Q1 2024 (tbc)" and r["section_slug"] == "serbia"
    )
    assert serbia_jrc == {
        "uid": serbia_jrc["uid"],
        "section": "Serbia",
        "section_slug": "serbia",
        "group": "Western Balkans",
        # The display title (issue 12); the note's "10 th" stays in the database.
        "title": "10th EU-Serbia Joint Readmission Committee meeting",
        "outcome": "",
        "category": "joint_readmission_committee",
        "raw_date": "Q1 2024 (tbc)",
        "precision": "quarter",
        "status": "tentative",
        "confidence": "tentative",
        "location": None,
        "occurrences": [{"start": "2024-01-01", "end": "2024-03-31"}],
        # Serbia's is the note's 22nd events table, the JRC its 18th row.
        "source": {"document": "5484/24", "format": "text", "table": 22, "row": 18, "line": 768},
        "revision": 1,
        "removed": False,
    }


def test_export_after_a_second_version_flags_removed_events(imported: Run) -> None:
    assert imported("ingest", str(V2), "--now", "2024-05-16").returncode == 0
    records = json.loads(imported("export").stdout)
    assert len(records) == 840
    removed = [r for r in records if r["removed"]]
    assert len(removed) == 7
    assert {r["source"]["document"] for r in removed} == {"5484/24"}
    serbia = [
        r for r in records if r["section_slug"] == "serbia" and "Joint Readmission" in r["title"]
    ]
    assert [(r["raw_date"], r["revision"], r["status"]) for r in serbia] == [
        ("24 November 2022", 1, "confirmed"),
        ("19 March 2024", 2, "confirmed"),
        ("Q4 2024 (tbc)", 1, "tentative"),
    ]


def test_export_of_one_section_by_slug_or_iso_code(imported: Run) -> None:
    by_slug = json.loads(imported("export", "--section", "cabo-verde").stdout)
    by_iso = json.loads(imported("export", "--section", "CV").stdout)
    assert by_slug == by_iso
    assert len(by_slug) == 14
    assert {r["section_slug"] for r in by_slug} == {"cabo-verde"}
    unknown = imported("export", "--section", "atlantis")
    assert unknown.returncode == 1
    assert "no section 'atlantis'" in unknown.stderr


def test_export_csv_has_the_same_events(imported: Run) -> None:
    import csv
    import io

    result = imported("export", "--format", "csv", "--section", "kosovo")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 12
    postponed = next(r for r in rows if r["raw_date"] == "21-22/06/2023")
    assert postponed["status"] == "postponed"
    assert postponed["confidence"] == "off"
    assert postponed["occurrences"] == "2023-06-21/2023-06-22"
    assert (postponed["source_document"], postponed["removed"]) == ("5484/24", "false")
    # Kosovo's is the note's 23rd events table; the postponed row its 9th, on line 785.
    source = {name: postponed[f"source_{name}"] for name in ("format", "table", "row", "line")}
    assert source == {"format": "text", "table": "23", "row": "9", "line": "785"}
    assert postponed["source_page"] == ""  # a text file has no pages


def test_agenda_prints_the_three_lists(imported: Run) -> None:
    result = imported(
        "agenda",
        "--section",
        "serbia",
        "--section",
        "montenegro",
        env={"CALENDAR_SVC_NOW": "2024-02-06"},
    )
    assert result.returncode == 0, result.stderr
    assert "Agenda as of 6 February 2024" in result.stdout
    assert "Upcoming (next 6 weeks): 4" in result.stdout
    assert "Awaiting confirmation (window open or opening within 30 days): 2" in result.stdout
    assert "Q1/Q2 2024 (tbc)" in result.stdout


def test_series_lists_the_late_and_stalled_dialogues(imported: Run) -> None:
    # docs/series.md's example: the EU-Moldova JRC, 10th in October 2019, 11th
    # in November 2020, nothing since; its JLS Sub-committee last met on
    # 20 October 2022 and was expected by 29 January 2024.
    result = imported(
        "series", "--section", "moldova", "--state", "late,stalled", "--now", "2024-02-06"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Series as of 6 February 2024: 2",
        "",
        "Republic of Moldova",
        "  stalled    Joint Readmission Committee  (11 meetings; every 400 days;"
        " last 2020-11-18; expected 2021-09-14..2022-04-02)",
        "  late       Justice, Freedom and Security Sub-committee  (4 meetings; every 373 days;"
        " last 2022-10-20; expected 2023-07-27..2024-01-29)",
    ]
    listed = json.loads(imported("series", "--format", "json", "--now", "2024-02-06").stdout)
    serbia = [s for s in listed if s["section_slug"] == "serbia"]
    assert {s["name"]: s["state"] for s in serbia} == {
        "Justice, Freedom and Security Sub-committee": "scheduled",
        "Joint Readmission Committee": "scheduled",
    }
    assert set(listed[0]) == {
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
    }


def test_init_db_places_the_events_a_database_held_before_series(run: Runner) -> None:
    from models import make_engine
    from models.migrate import downgrade

    run("init-db")
    run("ingest", str(SAMPLE), "--now", "2024-02-06")
    engine = make_engine(run.database)
    downgrade(engine, "0009")  # as before series were stored
    engine.dispose()
    upgraded = run("init-db")
    assert upgraded.returncode == 0, upgraded.stderr
    lines = upgraded.stdout.splitlines()
    assert lines[0] == "database schema up to date (1 migration(s) applied)"
    placed = int(lines[1].split()[0])
    assert lines[1] == f"{placed} stored event(s) put in their series (docs/series.md)"
    listed = json.loads(run("series", "--format", "json", "--section", "georgia").stdout)
    jrc = next(s for s in listed if s["name"] == "Joint Readmission Committee")
    assert [e["sequence"] for e in jrc["events"]] == [9, 10, 11, 12, 13, 14]
    # Once: a second init-db has nothing to apply and places nothing.
    assert run("init-db").stdout.splitlines() == [
        "database schema up to date (0 migration(s) applied)"
    ]


def test_series_refuses_an_unknown_state(imported: Run) -> None:
    result = imported("series", "--state", "overdue")
    assert result.returncode == 2
    assert "Invalid value for --state: no series state 'overdue'" in result.stderr


def test_check_reports_database_and_migrations(run: Run) -> None:
    pending = run("check")
    assert pending.returncode == 1
    assert pending.stderr.startswith("Error: migrations pending: 0001, ")
    run("init-db")
    applied = run("check")
    assert applied.stdout.startswith("database: reachable\nmigrations: up to date\n")


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    import shutil
    import sys

    script = shutil.which("calendar-svc", path=str(Path(sys.executable).parent))
    assert script is not None
    result = subprocess.run(
        [script, "--db", f"sqlite:///{tmp_path}/missing/dir/x.db", "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "database unreachable" in result.stderr


def test_the_flask_command_line_has_the_same_commands(database: str, tmp_path: Path) -> None:
    import os
    import shutil
    import sys

    flask = shutil.which("flask", path=str(Path(sys.executable).parent))
    assert flask is not None
    env = os.environ | {"CALENDAR_SVC_DATABASE_URL": database}
    for args in (["init-db"], ["ingest", str(SAMPLE), "--now", "2024-02-07"]):
        result = subprocess.run(
            [flask, "--app", "calendar_svc", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    assert "836 new" in result.stdout
