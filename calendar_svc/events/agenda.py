"""The agenda as text: what ``calendar-svc agenda`` (and the demo) prints."""

from __future__ import annotations

from models import Occurrence
from models.agenda import Agenda

DATE_WIDTH = 26
SECTION_WIDTH = 24
TITLE_WIDTH = 72


def render_agenda(agenda: Agenda, *, weeks: int) -> str:
    """Three headed lists; each line: date as written, section, title, confidence."""
    parts = [f"Agenda as of {agenda.today:%-d %B %Y}"]
    for heading, occurrences in (
        (f"Upcoming (next {weeks} weeks)", agenda.upcoming),
        ("Awaiting confirmation (window open or opening within 30 days)", agenda.awaiting),
        ("Overdue tbc (window ended in the last 90 days, no date yet)", agenda.overdue),
    ):
        parts.append("")
        parts.append(f"{heading}: {len(occurrences)}")
        parts.extend(_line(occurrence) for occurrence in occurrences)
    return "\n".join(parts) + "\n"


def _line(occurrence: Occurrence) -> str:
    event = occurrence.event
    title = event.display_title
    title = title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1] + "…"
    window = f"{occurrence.start:%Y-%m-%d}" + (
        f"..{occurrence.end:%Y-%m-%d}" if occurrence.end != occurrence.start else ""
    )
    return (
        f"  {event.raw_date[:DATE_WIDTH]:<{DATE_WIDTH}} {window:<22} "
        f"{event.section.name[:SECTION_WIDTH]:<{SECTION_WIDTH}} {title}  [{event.confidence}]"
    )
