"""Date-parser benchmark: hostile and long cells at 1x, 10x and 100x their length.

Three cells, each grown by repeating its unit:

- the recursion cell, ``"early " * 2000 + "2024"`` at 1x: every modifier
  once called the parser again, and 2,000 of them exhausted Python's stack;
- the list of years, ``"2024, " * 4000`` at 1x: every item was compared with
  every other (2.6 s for these 4,000 items at commit 5f06ded);
- a long ordinary list, the note's own "05 January, 24 February, 17 March,
  22 May 2023" 250 times at 1x (1,000 days).

Each is parsed with no length limit (``max_length=None``), so the figures are
the parser's own; an import or a form refuses a date cell of more than
``MAX_DATE_CELL`` characters before parsing it. The ratios say how close to
linear the parser is: the time at n x over n times the time at 1x (1.00 =
exactly linear; a quadratic parser would give about 10 and 100).

As ``timeit`` does, the garbage collector is off while a parse is timed: its
passes over the millions of objects a 100x cell leaves alive cost more per
object once they no longer fit in the processor's caches, which is the
interpreter's growth, not the parser's. The last column times the 100x cell
with the collector on, for the record.

Run it alone with ``python -m bench.dates``; ``make bench`` adds its table to
``bench/RESULTS.md``.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from calendar_svc.ingest.dates import MAX_DATE_CELL, parse_date_cell

SCALES = (1, 10, 100)
#: Runs per scale: the 100x cells take seconds each.
RUNS = {1: 7, 10: 5, 100: 3}
ORDINARY = "05 January, 24 February, 17 March, 22 May 2023"


@dataclass(frozen=True)
class Cell:
    name: str
    make: Callable[[int], str]


CELLS = (
    Cell('recursion cell, "early " × 2,000n + "2024"', lambda n: "early " * 2000 * n + "2024"),
    Cell('list of years, "2024, " × 4,000n', lambda n: "2024, " * 4000 * n),
    Cell(
        "ordinary list, the note's 4-date list × 250n",
        lambda n: ", ".join([ORDINARY] * 250 * n),
    ),
)


def median_seconds(text: str, runs: int, *, collector: bool = False) -> float:
    """The median time of ``runs`` parses of ``text``, with no length limit
    (and the garbage collector off while timing, unless ``collector``)."""
    timings = []
    for _ in range(runs):
        gc.collect()
        if not collector:
            gc.disable()
        try:
            started = time.perf_counter()
            parse_date_cell(text, max_length=None)
            timings.append(time.perf_counter() - started)
        finally:
            gc.enable()
    return statistics.median(timings)


def run() -> list[dict[str, object]]:
    """Per cell: its length and median parse time at each scale, and how long a
    refusal at the import's limit takes for the largest."""
    rows: list[dict[str, object]] = []
    for cell in CELLS:
        texts = {n: cell.make(n) for n in SCALES}
        seconds = {n: median_seconds(texts[n], RUNS[n]) for n in SCALES}
        largest = texts[SCALES[-1]]
        with_collector = median_seconds(largest, RUNS[SCALES[-1]], collector=True)
        started = time.perf_counter()
        refused = parse_date_cell(largest)
        refusal = time.perf_counter() - started
        assert refused.problem is not None
        assert not refused.windows
        rows.append(
            {
                "name": cell.name,
                "chars": {n: len(texts[n]) for n in SCALES},
                "seconds": seconds,
                "with_collector": with_collector,
                "refusal": refusal,
            }
        )
    return rows


def lines(rows: list[dict[str, object]]) -> list[str]:
    """The table for RESULTS.md: medians at each length, and the ratios to linear."""
    out = [
        "| date parser (no length limit) | 1x | 10x | 100x | 10x / (10 × 1x)"
        " | 100x / (100 × 1x) | 100x, collector on |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        chars: dict[int, int] = row["chars"]  # type: ignore[assignment]
        seconds: dict[int, float] = row["seconds"]  # type: ignore[assignment]
        cells = " | ".join(f"{1000 * seconds[n]:,.1f} ms ({chars[n]:,} ch)" for n in SCALES)
        ratios = " | ".join(f"{seconds[n] / (n * seconds[1]):.2f}" for n in SCALES[1:])
        on = float(row["with_collector"])  # type: ignore[arg-type]
        top = SCALES[-1]
        collector = f"{1000 * on:,.1f} ms ({on / (top * seconds[1]):.2f})"
        out.append(f"| {row['name']} | {cells} | {ratios} | {collector} |")
    slowest = max(float(row["refusal"]) for row in rows)  # type: ignore[arg-type]
    out += [
        "",
        f"Medians of {RUNS[1]}, {RUNS[10]} and {RUNS[100]} runs at 1x, 10x and 100x"
        " (`bench/dates.py`), the garbage collector off while timing as `timeit` does;"
        " the last column has it on (in brackets, over 100 × 1x). A ratio near 1.00 is"
        " linear growth; a quadratic parser gives about 10 and 100 (the parser of commit"
        " 5f06ded took 2.6 s for the 1x list of years on the machine above, and raised"
        " RecursionError on the 1x recursion cell). An import or a form refuses a date cell"
        f" of more than {MAX_DATE_CELL} characters before parsing it:"
        f" {1e6 * slowest:.0f} µs for the largest of these.",
    ]
    return out


if __name__ == "__main__":
    print("\n".join(lines(run())))
