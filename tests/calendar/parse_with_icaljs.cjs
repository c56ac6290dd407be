// Parse an iCalendar file with Mozilla's ical.js (the parser behind Thunderbird) and print
// what it understood as JSON, so the Python tests can compare parsers.
const fs = require("fs");
const ICAL = require("ical.js");

const text = fs.readFileSync(process.argv[2], "utf8");
const component = new ICAL.Component(ICAL.parse(text));
for (const vtimezone of component.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}
const events = component.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    sequence: event.sequence,
    status: vevent.getFirstPropertyValue("status"),
    start_utc: event.startDate.toJSDate().toISOString(),
    end_utc: event.endDate.toJSDate().toISOString(),
    tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
  };
});
console.log(
  JSON.stringify({
    name: component.getFirstPropertyValue("x-wr-calname"),
    method: component.getFirstPropertyValue("method"),
    events,
  }),
);
