"""Migration 0006 (issue 12, item 3): positions stay, each event's counter is backfilled."""

from __future__ import annotations

from sqlalchemy import Engine, text

from models.migrate import upgrade
from tests.helpers.data import SAMPLE, V2
from tests.models.test_migrations import (
    LATER,
    NOW,
    columns,
    events_as_stored,
    holding_notes,
    no_drift,
)


def test_upgrading_to_0006_keeps_every_position_and_backfills_the_counter(
    fresh_engine: Engine,
) -> None:
    holding_notes(fresh_engine, "0005", (SAMPLE, NOW), (V2, LATER))
    assert "next_occurrence_position" not in columns(fresh_engine, "events")
    before = events_as_stored(fresh_engine)
    upgrade(fresh_engine)
    assert events_as_stored(fresh_engine) == before  # every feed UID as it was
    with fresh_engine.connect() as connection:
        counters = dict(
            connection.execute(
                text(
                    "SELECT e.uid, e.next_occurrence_position FROM events e"
                    " JOIN sections s ON s.id = e.section_id WHERE s.slug = 'nigeria'"
                    " AND e.raw_date = '05 January, 24 February, 17 March, 22 May 2023'"
                )
            ).all()
        )
        wrong = connection.execute(
            text(
                "SELECT COUNT(*) FROM events e WHERE e.next_occurrence_position <>"
                " COALESCE((SELECT MAX(o.position) + 1 FROM occurrences o"
                " WHERE o.event_id = e.id), 0)"
            )
        ).scalar_one()
    # Nigeria's four meetings hold positions 0-3: the next new one is 4.
    assert list(counters.values()) == [4]
    assert wrong == 0
    assert no_drift(fresh_engine)
