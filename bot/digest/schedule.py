"""When a daily post is due: local wall-clock times in IANA zones, correct across daylight saving."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC = dt.UTC


def parse_hhmm(text: str) -> dt.time | None:
    """Read `HH:MM` (24-hour); None when it is not a time of day."""
    parts = text.strip().split(":")
    # isdigit() also accepts "²" and "٣"; only ASCII digits make a time.
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) == 2 for p in parts):
        return None
    hour, minute = int(parts[0]), int(parts[1])
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


MAX_ZONE_NAME = 64  # the longest IANA name is 32 characters
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")


def parse_zone(name: str) -> ZoneInfo | None:
    """An IANA zone by name; None when tzdata does not know it."""
    if len(name) > MAX_ZONE_NAME or not _ZONE_NAME.fullmatch(name) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name the file system refuses
        return None


def zone_names(query: str, limit: int = 25) -> list[str]:
    """Zone names containing what was typed, shortest first, for autocomplete."""
    key = query.strip().casefold().replace(" ", "_")
    names = sorted(available_timezones())
    hits = [n for n in names if key in n.casefold()] if key else names
    return sorted(hits, key=lambda n: (not n.casefold().startswith(key), len(n), n))[:limit]


def _exists(wall: dt.datetime) -> bool:
    """Whether a local wall time happens at all (it does not inside a spring-forward gap)."""
    back = wall.astimezone(UTC).astimezone(wall.tzinfo)
    return back.replace(tzinfo=None) == wall.replace(tzinfo=None)


def occurrence(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of a local time on a local date.

    A time skipped by a spring-forward change falls on the first minute that exists after it; a time
    that happens twice on a fall-back day is taken at its first occurrence, so it is posted once.
    """
    wall = dt.datetime.combine(day, at, tzinfo=zone).replace(fold=0)
    while not _exists(wall):
        wall += dt.timedelta(minutes=1)  # wall-clock minutes: steps through the gap on the local clock
    return wall.astimezone(UTC)


def local_date(instant: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The local calendar date of a UTC instant."""
    return instant.astimezone(zone).date()


def next_due(
    after: dt.datetime, at: dt.time, zone: ZoneInfo, posted_for: dt.date | None = None
) -> dt.datetime:
    """The next UTC instant, not before `after`, at which a post for a local date not yet posted is due."""
    day = local_date(after, zone) - dt.timedelta(days=1)  # yesterday's slot can fall today near a gap
    while True:
        due = occurrence(day, at, zone)
        if due >= after and (posted_for is None or day > posted_for):
            return due
        day += dt.timedelta(days=1)
