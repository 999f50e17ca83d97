"""Run every benchmark and write bench/RESULTS.md (machine, date, figures, ratios).

Run it with ``make bench`` (``python -m bench.run``).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path

from bench import feeds, ingest, pages, reminders

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()};"
        f" Python {platform.python_version()}"
    )


def main() -> None:
    # First, while the process is small like a web worker's: the later
    # benchmarks leave large heaps that the garbage collector would walk.
    page_rows = pages.run()
    rows = ingest.run()
    one, hundred = rows
    limit = 100 * float(one["seconds"])  # type: ignore[arg-type]
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
    for row in rows:
        seconds = float(row["seconds"])  # type: ignore[arg-type]
        events = int(row["events"])  # type: ignore[call-overload]
        peer, ratio = "", ""
        if row is hundred:
            peer = f"100 × 1x = {limit:.2f} s"
            ratio = f"{seconds / limit:.2f}"
        lines.append(
            f"| {row['name']} | {seconds:.3f} s | {row['runs']} | {events:,}"
            f" | {1000 * seconds / events:.2f} ms | {peer} | {ratio} |"
        )
    lines += [
        "",
        "| feeds | app | peer | app / peer |",
        "|---|---|---|---|",
    ]
    for row in feeds.run():
        rate, peer = float(row["rate"]), float(row["peer"])  # type: ignore[arg-type]
        lines.append(
            f"| {row['name']} ({row['note']}) | {rate:,.0f} req/s"
            f" | nginx static file {peer:,.0f} req/s | {rate / peer:.3f} |"
        )
    lines += ["", "| reminders and digests | time | runs | note |", "|---|---|---|---|"]
    for row in reminders.run():
        seconds = float(row["seconds"])  # type: ignore[arg-type]
        lines.append(f"| {row['name']} | {seconds:.2f} s | {row['runs']} | {row['note']} |")
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
        " ETag in If-None-Match.",
        "",
        "The 100x note is the sample's body replicated across 100 renamed copies of every",
        "section (`bench/synthetic.py`). The criterion is 100x < 100 × 1x + a constant;",
        "the ratio shows how close to linear the import is (1.00 = exactly linear).",
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
