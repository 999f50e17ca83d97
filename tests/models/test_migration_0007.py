"""Migration 0007 (issue 12, item 1): stored categories are read again by today's rules."""

from __future__ import annotations

import json

from sqlalchemy import Engine, text

from models.migrate import upgrade
from tests.helpers.data import SAMPLE
from tests.models.test_migrations import NOW, holding_notes, no_drift

#: Niger's row that the old rules filed under "other" (issue 12's first example).
NIGER = "Commissioner Johansson meeting Hamadou Adamou Souley, Minister of Interior%"
#: Türkiye's row a person has edited (to "summit") while the note's reading was "other".
TURKIYE = "Commissioner Johansson meeting Mr. Mevlut Cavusoglu%"


def test_upgrading_to_0007_reads_the_categories_again_and_keeps_a_persons_choice(
    fresh_engine: Engine,
) -> None:
    holding_notes(fresh_engine, "0006", (SAMPLE, NOW))
    with fresh_engine.begin() as connection:
        # What a database of the old rules holds: both rows under "other".
        connection.execute(
            text("UPDATE events SET category = 'other' WHERE title LIKE :t"), {"t": NIGER}
        )
        snapshot = {
            "title": "Commissioner Johansson meeting Mr. Mevlut Cavusoglu, Minister",
            "outcome": "",
            "category": "other",
        }
        connection.execute(
            text(
                "UPDATE events SET category = 'summit', is_manual_override = :yes,"
                " note_snapshot = :snapshot WHERE title LIKE :t"
            ),
            {"yes": True, "snapshot": json.dumps(snapshot), "t": TURKIYE},
        )
        before = connection.execute(
            text("SELECT uid, category FROM events WHERE title NOT LIKE :a AND title NOT LIKE :b"),
            {"a": NIGER, "b": TURKIYE},
        ).all()
        revisions = connection.execute(text("SELECT COUNT(*) FROM event_revisions")).scalar_one()

    upgrade(fresh_engine)

    with fresh_engine.connect() as connection:
        niger = connection.execute(
            text("SELECT category FROM events WHERE title LIKE :t"), {"t": NIGER}
        ).scalar_one()
        turkiye = connection.execute(
            text("SELECT category, note_snapshot FROM events WHERE title LIKE :t"), {"t": TURKIYE}
        ).one()
        after = connection.execute(
            text("SELECT uid, category FROM events WHERE title NOT LIKE :a AND title NOT LIKE :b"),
            {"a": NIGER, "b": TURKIYE},
        ).all()
        assert (
            connection.execute(text("SELECT COUNT(*) FROM event_revisions")).scalar_one()
            == revisions
        )
    assert niger == "ministerial"
    stored = turkiye.note_snapshot
    snapshot = json.loads(stored) if isinstance(stored, str) else stored
    assert (turkiye.category, snapshot["category"]) == ("summit", "ministerial")
    assert sorted(after) == sorted(before)  # imported by today's rules: nothing else moves
    assert no_drift(fresh_engine)
