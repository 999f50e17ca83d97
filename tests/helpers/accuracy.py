"""How well a reading of a scan matches the reading of the born-digital file.

Rows are compared section by section: the scan's rows are aligned with the
reference's in order (a longest common subsequence over rows whose cells are
alike), so that a row missed or invented shifts nothing after it. An aligned
row is found; its date is right when its date windows, precision and status
are exactly the reference's; its texts are right when its title and outcome
are, once whitespace is normalised. Rows of the scan aligned with nothing are
invented.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from calendar_svc.ingest.drafts import EventDraft, draft_events
from calendar_svc.ingest.note import Note

#: Rows at least this alike (0-100, over their three cells) may be aligned.
ALIKE = 60


@dataclass(frozen=True)
class Accuracy:
    rows: int
    found: int
    dates: int
    texts: int
    invented: int
    #: (section, reference, scan) for each aligned row whose texts differ.
    misread: tuple[tuple[str, EventDraft, EventDraft], ...]

    def share(self, count: int) -> float:
        return count / self.rows if self.rows else 1.0

    def __str__(self) -> str:
        return (
            f"{self.found}/{self.rows} rows found ({self.share(self.found):.1%}),"
            f" dates and statuses {self.share(self.dates):.1%},"
            f" titles and outcomes {self.share(self.texts):.1%},"
            f" {self.invented} invented"
        )


def accuracy(reference: Note, reading: Note) -> Accuracy:
    """Compare ``reading`` (of a scan) with ``reference`` (of the born-digital file)."""
    expected = _by_section(draft_events(reference))
    read = _by_section(draft_events(reading))
    rows = found = dates = texts = invented = 0
    misread = []
    for section in expected.keys() | read.keys():
        wanted, got = expected.get(section, []), read.get(section, [])
        pairs = _aligned(wanted, got)
        rows += len(wanted)
        found += len(pairs)
        invented += len(got) - len(pairs)
        for a, b in pairs:
            dates += _date_of(a) == _date_of(b)
            if _texts_of(a) == _texts_of(b):
                texts += 1
            else:
                misread.append((section, a, b))
    return Accuracy(rows, found, dates, texts, invented, tuple(misread))


def _by_section(drafts: list[EventDraft]) -> dict[str, list[EventDraft]]:
    result: dict[str, list[EventDraft]] = {}
    for draft in drafts:
        result.setdefault(draft.section.slug, []).append(draft)
    return result


def _date_of(draft: EventDraft) -> tuple[object, ...]:
    return draft.windows, draft.precision, draft.status


def _texts_of(draft: EventDraft) -> tuple[str, str]:
    return " ".join(draft.title.split()), " ".join(draft.outcome.split())


def _likeness(a: EventDraft, b: EventDraft) -> float:
    return fuzz.ratio(f"{a.raw_date} {a.title} {a.outcome}", f"{b.raw_date} {b.title} {b.outcome}")


def _aligned(
    wanted: list[EventDraft], got: list[EventDraft]
) -> list[tuple[EventDraft, EventDraft]]:
    """The longest in-order pairing of alike rows."""
    n, m = len(wanted), len(got)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best[i][j] = max(best[i + 1][j], best[i][j + 1])
            if _likeness(wanted[i], got[j]) >= ALIKE:
                best[i][j] = max(best[i][j], best[i + 1][j + 1] + 1)
    pairs = []
    i = j = 0
    while i < n and j < m:
        if _likeness(wanted[i], got[j]) >= ALIKE and best[i][j] == best[i + 1][j + 1] + 1:
            pairs.append((wanted[i], got[j]))
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs
