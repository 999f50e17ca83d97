"""Parse each .ics file named on the command line with libical (the parser of
Evolution and GNOME Calendar, through GObject introspection) and print what it
read, as JSON, for the tests.

Run with Debian's python3 (``python3-gi``, ``gir1.2-ical-3.0``), not the venv's.
"""

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

VEVENT = ICalGLib.ComponentKind.VEVENT_COMPONENT
CATEGORIES = ICalGLib.PropertyKind.CATEGORIES_PROPERTY
STATUS = {
    ICalGLib.PropertyStatus.CONFIRMED: "CONFIRMED",
    ICalGLib.PropertyStatus.TENTATIVE: "TENTATIVE",
    ICalGLib.PropertyStatus.CANCELLED: "CANCELLED",
}


def day(time):
    return f"{time.get_year():04d}-{time.get_month():02d}-{time.get_day():02d}"


def categories(event):
    found = []
    prop = event.get_first_property(CATEGORIES)
    while prop is not None:
        found.append(prop.get_categories())
        prop = event.get_next_property(CATEGORIES)
    return found


result = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        calendar = ICalGLib.Component.new_from_string(f.read())
    events = []
    event = calendar.get_first_component(VEVENT)
    while event is not None:
        events.append(
            {
                "uid": event.get_uid(),
                "summary": event.get_summary(),
                "start": day(event.get_dtstart()),
                "end": day(event.get_dtend()),
                "allDay": event.get_dtstart().is_date() and event.get_dtend().is_date(),
                "status": STATUS.get(event.get_status(), str(event.get_status())),
                "categories": categories(event),
            }
        )
        event = calendar.get_next_component(VEVENT)
    result[path] = {"events": events}
json.dump(result, sys.stdout)
