"""What changed between two states of an event, and what that means to a reader.

Shared by imports (the note changed) and edits (a person changed it), so that
both record the same labels ("date confirmed", "moved", "cancelled", ...),
which reminders, digests and pages show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from models import NOTE_FIELDS, Confidence, Status, confidence_of
from models.window import Window


def differences(
    old: Mapping[str, Any],
    old_windows: Sequence[Window],
    new: Mapping[str, Any],
    new_windows: Sequence[Window],
) -> dict[str, tuple[Any, Any]]:
    """Field -> (old, new) for the fields of ``NOTE_FIELDS`` that differ, and the windows."""
    changes: dict[str, tuple[Any, Any]] = {
        name: (old[name], new[name]) for name in NOTE_FIELDS if old[name] != new[name]
    }
    if tuple(old_windows) != tuple(new_windows):
        changes["occurrences"] = (tuple(old_windows), tuple(new_windows))
    return changes


def change_labels(
    old: Mapping[str, Any], new: Mapping[str, Any], changes: Mapping[str, tuple[Any, Any]]
) -> tuple[str, ...]:
    """Say what a change means to a reader, most important first."""
    labels: list[str] = []
    old_status, new_status = old["status"], new["status"]
    old_conf = confidence_of(old_status, old["precision"])
    new_conf = confidence_of(new_status, new["precision"])
    if new_status != old_status and new_status in (Status.CANCELLED, Status.POSTPONED):
        labels.append(new_status.value)
    elif old_status in (Status.CANCELLED, Status.POSTPONED) and new_status != old_status:
        labels.append("reinstated")
    if new_conf is Confidence.FIRM and old_conf in (Confidence.TENTATIVE, Confidence.APPROXIMATE):
        labels.append("date confirmed")
    elif old_conf is Confidence.FIRM and new_conf in (Confidence.TENTATIVE, Confidence.APPROXIMATE):
        labels.append("date unconfirmed")
    elif (old_status, new_status) == (Status.TENTATIVE, Status.CONFIRMED):
        labels.append("no longer tbc")
    elif (old_status, new_status) == (Status.CONFIRMED, Status.TENTATIVE):
        labels.append("now tbc")
    if "occurrences" in changes:
        before, after = changes["occurrences"]
        if before and after:
            start, end = min(w.start for w in before), max(w.end for w in before)
            if not all(start <= w.start and w.end <= end for w in after):
                labels.append("moved")
            elif "date confirmed" not in labels:
                labels.append("date narrowed")
    for name, label in (
        ("title", "title changed"),
        ("outcome", "outcome changed"),
        ("category", "category changed"),
        ("location", "location changed"),
    ):
        if name in changes:
            labels.append(label)
    if not labels and changes:
        labels.append("date wording changed" if "raw_date" in changes else "details changed")
    return tuple(labels)
