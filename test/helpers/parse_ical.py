"""Reads an iCalendar document on stdin with Python's icalendar and prints what the feed tests
check, as JSON: a second parser, independent of the one that wrote the feed and of ical.js.

Times are resolved through the calendar's own VTIMEZONE components (not the parser's tz
database), and printed as UTC instants; `start_by_name` is the same time read through the tz
database, for comparison. Run with /usr/bin/python3 (Debian's python3-icalendar).
"""
import json
import sys
from datetime import datetime, timezone

from icalendar import Calendar


def text(value):
    if value is None:
        return None
    if isinstance(value, str):
        return str(value)
    return value.to_ical().decode('utf-8')


def categories(event):
    found = event.get('CATEGORIES')
    if found is None:
        return []
    out = []
    for prop in found if isinstance(found, list) else [found]:
        out.extend(str(c) for c in getattr(prop, 'cats', [prop]))
    return out


def utc(moment):
    return moment.astimezone(timezone.utc).isoformat().replace('+00:00', 'Z')


def main():
    calendar = Calendar.from_ical(sys.stdin.buffer.read().decode('utf-8'))
    zones = {str(c['TZID']): c.to_tz() for c in calendar.walk('VTIMEZONE')}

    def through_vtimezone(prop):
        if prop is None:
            return None, None
        moment = prop.dt
        tzid = prop.params.get('TZID')
        if tzid is None:
            # UTC (a trailing Z) is aware already; a floating time is not an instant at all.
            return (utc(moment) if isinstance(moment, datetime) and moment.tzinfo else None), None
        zone = zones.get(str(tzid))
        if zone is None:
            return None, str(tzid)
        return utc(zone.localize(moment.replace(tzinfo=None))), str(tzid)

    events = []
    for event in calendar.walk('VEVENT'):
        start, start_tzid = through_vtimezone(event.get('DTSTART'))
        end, end_tzid = through_vtimezone(event.get('DTEND'))
        by_name = event.decoded('DTSTART') if 'DTSTART' in event else None
        geo = event.get('GEO')
        events.append({
            'uid': text(event.get('UID')),
            'summary': text(event.get('SUMMARY')),
            'description': text(event.get('DESCRIPTION')),
            'location': text(event.get('LOCATION')),
            'start': start,
            'end': end,
            'startTzid': start_tzid,
            'endTzid': end_tzid,
            'startByName': utc(by_name) if isinstance(by_name, datetime) and by_name.tzinfo else None,
            'sequence': int(event['SEQUENCE']) if 'SEQUENCE' in event else None,
            'status': text(event.get('STATUS')),
            'categories': categories(event),
            'geo': [float(geo.latitude), float(geo.longitude)] if geo is not None else None,
            'url': text(event.get('URL')),
        })

    print(json.dumps({
        'name': text(calendar.get('NAME')),
        'wrName': text(calendar.get('X-WR-CALNAME')),
        'refreshInterval': text(calendar.get('REFRESH-INTERVAL')),
        'publishedTtl': text(calendar.get('X-PUBLISHED-TTL')),
        'method': text(calendar.get('METHOD')),
        'timezones': sorted(zones),
        'events': events,
    }, ensure_ascii=False))


if __name__ == '__main__':
    main()
