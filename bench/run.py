"""Run every benchmark and write bench/RESULTS.md (machine, date, figures, ratios).

Run it with ``make bench`` (``python -m bench.run``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bench import dates, digests, feeds, forms, ingest, marked, pages, reminders
from bench.machine import machine

RESULTS = Path(__file__).with_name("RESULTS.md")


def ingest_lines(rows: list[dict[str, object]]) -> list[str]:
    """One line per figure; an n-x import's peer is n times the 1x import into the same database."""
    ones = {row["database"]: float(row["seconds"]) for row in rows if row["copies"] == 1}  # type: ignore[arg-type]
    lines = []
    for row in rows:
        seconds = float(row["seconds"])  # type: ignore[arg-type]
        events = int(row["events"])  # type: ignore[call-overload]
        copies = int(row["copies"])  # type: ignore[call-overload]
        peer, ratio = "", ""
        if copies != 1:
            limit = copies * ones[row["database"]]
            peer = f"{copies} × 1x = {limit:.2f} s"
            ratio = f"{seconds / limit:.2f}"
        lines.append(
            f"| {row['name']} | {seconds:.3f} s | {row['runs']} | {events:,}"
            f" | {1000 * seconds / events:.2f} ms | {peer} | {ratio} |"
        )
    return lines


def database_ratios(rows: list[dict[str, object]]) -> str:
    """PostgreSQL's time over SQLite's for each note size, for the table's note."""
    times = {(row["database"], row["copies"]): float(row["seconds"]) for row in rows}  # type: ignore[arg-type]
    sizes = sorted({int(row["copies"]) for row in rows})  # type: ignore[call-overload]
    ratios = ", ".join(f"{times['PostgreSQL', n] / times['SQLite', n]:.2f} at {n}x" for n in sizes)
    return f"PostgreSQL / SQLite: {ratios}."


def form_lines(rows: list[dict[str, object]]) -> list[str]:
    """One line per form of the note, and where a PDF's reading time goes."""
    lines = [
        "| ingest by form | median | reading the file | runs | size | rate |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        seconds, reading = float(row["seconds"]), float(row["reading"])  # type: ignore[arg-type]
        rate = f"{int(row['events']) / seconds:,.0f} events/s"  # type: ignore[call-overload]
        if "pages" in row:
            rate += f", {int(row['pages']) / seconds:.1f} pages/s"  # type: ignore[call-overload]
        lines.append(
            f"| {row['name']} | {seconds:.2f} s | {reading:.2f} s | {row['runs']}"
            f" | {int(row['bytes']) / 1000:,.0f} kB | {rate} |"  # type: ignore[call-overload]
        )
    pdf = rows[-1]
    phases = pdf["phases"]  # type: ignore[index]
    total = sum(phases.values())  # type: ignore[attr-defined]
    shares = ", ".join(
        f"{name} {seconds:.2f} s ({100 * seconds / total:.0f}%)"
        for name, seconds in phases.items()  # type: ignore[attr-defined]
    )
    lines += [
        "",
        f"Reading the {pdf['pages']}-page PDF with pdfplumber, phase by phase over every page"
        f" (medians of 3): {shares}. Interpreting is pdfminer running each page's content"
        " stream and pdfplumber making an object of every character; tables is finding the"
        " ruled tables from their lines; text is extracting cell and line text. What is left"
        " of reading (joining pages, footers, cut rows, the note's structure) is the"
        " difference to the reading column.",
    ]
    return lines


def feed_lines(rows: list[dict[str, object]]) -> tuple[list[str], list[str]]:
    """One line per figure and peer; and notes naming the peers that give no such answer."""
    lines, notes = [], []
    for row in rows:
        rate = float(row["rate"])  # type: ignore[arg-type]
        for peer_name, peer in row["peers"].items():  # type: ignore[attr-defined]
            if peer is None:
                notes.append(
                    f"{peer_name} answers a GET carrying the collection's ETag in"
                    f" If-None-Match with 200 and the whole calendar, not 304: {row['name']}"
                    f" has no {peer_name} figure."
                )
                continue
            lines.append(
                f"| {row['name']} ({row['note']}) | {rate:,.0f} req/s"
                f" | {peer_name} {peer:,.0f} req/s | {rate / peer:.3f} |"
            )
    return lines, notes


def render_lines(renders: dict[int, tuple[float, int]]) -> list[str]:
    """A feed rendered afresh at 1x and 10x: the cost a cache miss pays, by events."""
    (one, one_events), (ten, ten_events) = renders[1], renders[10]
    return [
        "| all.ics rendered afresh (cache miss) | time | events | per event |",
        "|---|---|---|---|",
        *(
            f"| {copies}x | {seconds * 1000:.0f} ms | {events:,}"
            f" | {seconds / events * 1e6:.0f} µs |"
            for copies, (seconds, events) in renders.items()
        ),
        "",
        f"10x / 1x: {ten / one:.1f} for {ten_events / one_events:.1f} times the events: rendering"
        " is linear in the feed's events, O(n); a cached feed costs the same at any size of"
        " the database (the 10x rows above), O(1) queries and O(bytes) to send.",
    ]


def verdict_lines(
    feed_rows: list[dict[str, object]],
    reminder_rows: list[dict[str, object]],
    digest_rows: list[dict[str, object]],
) -> list[str]:
    """Issue 14's criteria against this run's figures, and how each cost grows."""
    app = {str(row["name"]): float(row["rate"]) for row in feed_rows}  # type: ignore[arg-type]
    ok_200, ok_304 = app["feed 200, gunicorn 2 workers"], app["feed 304, gunicorn 2 workers"]
    bare = float(feed_rows[0]["peers"][feeds.BARE])  # type: ignore[index]
    times = {
        str(row["name"]): float(row["seconds"])  # type: ignore[arg-type]
        for row in [*reminder_rows, *digest_rows]
    }
    reminder_lines = [
        f"- Reminder pass, 100,000 events x 1,000 subscribers ({database}):"
        f" {seconds:.2f} s (criterion < 2 s, stretch < 0.5 s)."
        for name, seconds in times.items()
        for database in ("SQLite", "PostgreSQL")
        if name.startswith("due reminders, 100,000 events") and f"({database})" in name
    ]
    thousand = next(s for name, s in times.items() if name.startswith("1,000 digests"))
    return [
        "Against issue 14 (this run):",
        "",
        f"- Section feed 200 / bare Flask serving the same bytes: {ok_200 / bare:.2f}"
        f" ({ok_200:,.0f} / {bare:,.0f} req/s; criterion ≥ 0.5, stretch 0.8).",
        f"- Feed 304 / feed 200: {ok_304 / ok_200:.2f} (criterion ≥ 1).",
        *reminder_lines,
        f"- 1,000 digests built and rendered: {thousand:.2f} s (criterion < 10 s, stretch < 3 s).",
        "",
        "How each cost grows:",
        "",
        "- A cached feed: O(1) statements (one, the token and the data version) and O(bytes)"
        " to send, whatever the size of the database (the 10x rows); a cache miss renders in"
        " O(events of the feed) (the all.ics rows).",
        "- A reminder pass: O(occurrences whose dates can make something due x the groups of"
        " followers of their section) in SQL, then O(reminders due) in Python; with 1,000"
        " subscribers spread evenly, linear in the events (10k, 100k, 1M rows).",
        "- A digest pass: the agenda read and each item rendered once, O(agenda items),"
        " then O(size of each digest) to assemble it: linear in subscribers past a constant"
        " (100, 1,000, 10,000 rows).",
    ]


def main() -> None:
    # Before anything long: a run without its PostgreSQL figures is no run.
    ingest.check_server()
    # First, while the process is small like a web worker's: the later
    # benchmarks leave large heaps that the garbage collector would walk.
    page_rows = pages.run()
    date_rows = dates.run()
    rows = ingest.run()
    form_rows = forms.run()
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}  ",
        f"Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC  ",
        "Command: `make bench` (`python -m bench.run`); figures are medians of the runs shown.",
        "",
        "| benchmark | median | runs | events | per event | peer | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += ingest_lines(rows)
    lines += ["", *form_lines(form_rows)]
    lines += [
        "",
        "| feeds | app | peer | app / peer |",
        "|---|---|---|---|",
    ]
    feed_rows, renders = feeds.run()
    rows_of_feeds, feed_notes = feed_lines(feed_rows)
    lines += rows_of_feeds
    lines += ["", *render_lines(renders)]
    lines += ["", "| reminders and digests | time | runs | note |", "|---|---|---|---|"]
    reminder_rows = reminders.run()
    digest_rows = digests.run()
    for row in [*reminder_rows, *digest_rows]:
        seconds = float(row["seconds"])  # type: ignore[arg-type]
        lines.append(f"| {row['name']} | {seconds:.2f} s | {row['runs']} | {row['note']} |")
    lines += ["", *verdict_lines(feed_rows, reminder_rows, digest_rows)]
    lines += reminders.plan_lines(reminder_rows)
    lines += ["", *dates.lines(date_rows)]
    lines += [
        "",
        f"| web pages (editor signed in; {pages.RUNS} runs each) | median | slowest | size |",
        "|---|---|---|---|",
    ]
    for row in page_rows:
        lines.append(
            f"| `{row['path']}` | {float(row['median_ms']):.1f} ms"  # type: ignore[arg-type]
            f" | {float(row['max_ms']):.1f} ms | {float(row['kib']):.0f} KiB |"  # type: ignore[arg-type]
        )
    slowest = max(float(row["max_ms"]) for row in page_rows)  # type: ignore[arg-type]
    verdict = "under" if slowest < pages.LIMIT_MS else "OVER"
    lines += [
        "",
        f"Slowest single page request: {slowest:.1f} ms, {verdict} the {pages.LIMIT_MS} ms budget.",
        "Pages: Flask's test client in-process over the sample note with the second version",
        "imported on top (`bench/pages.py`); app time only, no network.",
    ]
    lines += [
        "",
        f"Feeds: wrk -t{feeds.THREADS} -c{feeds.CONNECTIONS} -d{feeds.DURATION} cycling through"
        " every section feed, median of the runs after a warm-up; 304 rows send each feed's"
        " ETag in If-None-Match. Radicale holds one calendar collection per section, made by"
        " uploading that section's feed as served by the app, and runs under the same gunicorn"
        " set-up; a GET of a collection answers the whole calendar.",
        *feed_notes,
        "",
        "The 100x note is the sample's body replicated across 100 renamed copies of every",
        "section (`bench/synthetic.py`), imported into a new SQLite file or a new PostgreSQL",
        f"database (`{ingest.SERVER_ENV}`) per run. The criterion is 100x < 100 × 1x + a constant;",
        "the ratio shows how close to linear the import is (1.00 = exactly linear).",
        database_ratios(rows),
        "",
        # The OCR figures take a quarter of an hour: `python -m bench.ocr` renews them alone,
        # and `python -m bench.series` the series'.
        *marked.kept("ocr"),
        "",
        *marked.kept("series"),
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
