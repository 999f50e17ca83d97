// Parse each .ics file named on the command line with Mozilla's ical.js (the
// parser inside Thunderbird) and print what it read, as JSON, for the tests.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const result = {};
for (const path of process.argv.slice(2)) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  result[path] = {
    name: calendar.getFirstPropertyValue("x-wr-calname"),
    method: calendar.getFirstPropertyValue("method"),
    events: calendar.getAllSubcomponents("vevent").map((vevent) => {
      const event = new ICAL.Event(vevent);
      return {
        uid: event.uid,
        summary: event.summary,
        description: event.description,
        location: event.location,
        start: event.startDate.toString(),
        end: event.endDate.toString(),
        allDay: event.startDate.isDate && event.endDate.isDate,
        sequence: event.sequence,
        status: vevent.getFirstPropertyValue("status"),
        transp: vevent.getFirstPropertyValue("transp"),
        busy: vevent.getFirstPropertyValue("x-microsoft-cdo-busystatus"),
        stamp: vevent.getFirstPropertyValue("dtstamp").toString(),
      };
    }),
  };
}
process.stdout.write(JSON.stringify(result));
