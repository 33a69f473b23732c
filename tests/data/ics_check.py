"""Reads a schedule.ics with the icalendar package, as a calendar importing
it would, and prints its events as JSON: uid, summary, start and end (ISO,
with their UTC offset), tzid, location, organizer and its CN."""
import json
import sys

import icalendar

cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
tz = [str(c["TZID"]) for c in cal.walk("VTIMEZONE")]
events = []
for e in cal.walk("VEVENT"):
    start, end = e["DTSTART"], e["DTEND"]
    org = e.get("ORGANIZER")
    events.append({
        "uid": str(e["UID"]),
        "summary": str(e["SUMMARY"]),
        "start": start.dt.isoformat(),
        "end": end.dt.isoformat(),
        "tzid": start.params.get("TZID"),
        "location": str(e["LOCATION"]) if "LOCATION" in e else None,
        "organizer": str(org) if org is not None else None,
        "cn": org.params.get("CN") if org is not None else None,
    })
print(json.dumps({"timezones": tz, "events": events}, ensure_ascii=False))
