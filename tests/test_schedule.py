"""Daily post times in IANA zones, across daylight-saving changes, with an injected clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.digest import next_due, occurrence, parse_hhmm, parse_zone, zone_names

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "at", "zone", "expected"),
    [
        # Ordinary days: winter and summer offsets.
        (dt.date(2026, 1, 15), dt.time(9, 0), LONDON, utc(2026, 1, 15, 9, 0)),
        (dt.date(2026, 7, 15), dt.time(9, 0), LONDON, utc(2026, 7, 15, 8, 0)),
        (dt.date(2026, 7, 15), dt.time(9, 0), NEW_YORK, utc(2026, 7, 15, 13, 0)),
        (dt.date(2026, 3, 4), dt.time(8, 30), SHANGHAI, utc(2026, 3, 4, 0, 30)),
        # 01:30 does not exist in London on 29 March 2026: the first valid minute after it is 02:00 BST.
        (dt.date(2026, 3, 29), dt.time(1, 30), LONDON, utc(2026, 3, 29, 1, 0)),
        # 02:30 does not exist in New York on 8 March 2026: 03:00 EDT.
        (dt.date(2026, 3, 8), dt.time(2, 30), NEW_YORK, utc(2026, 3, 8, 7, 0)),
        # 01:30 happens twice on the fall-back days: the first occurrence only.
        (dt.date(2026, 10, 25), dt.time(1, 30), LONDON, utc(2026, 10, 25, 0, 30)),
        (dt.date(2026, 11, 1), dt.time(1, 30), NEW_YORK, utc(2026, 11, 1, 5, 30)),
    ],
)
def test_occurrence(day: dt.date, at: dt.time, zone: ZoneInfo, expected: dt.datetime) -> None:
    assert occurrence(day, at, zone) == expected


def test_next_due_walks_across_a_dst_change() -> None:
    at = dt.time(9, 0)
    first = next_due(utc(2026, 3, 28, 10, 0), at, LONDON)
    assert first == utc(2026, 3, 29, 8, 0)  # BST from today
    assert next_due(first + dt.timedelta(seconds=1), at, LONDON) == utc(2026, 3, 30, 8, 0)


def test_a_repeated_time_is_due_once() -> None:
    at = dt.time(1, 30)
    first = next_due(utc(2026, 10, 25, 0, 0), at, LONDON)
    assert first == utc(2026, 10, 25, 0, 30)
    # After posting for 25 October, the second 01:30 (01:30 UTC) is not due again.
    again = next_due(first + dt.timedelta(minutes=1), at, LONDON, posted_for=dt.date(2026, 10, 25))
    assert again == utc(2026, 10, 26, 1, 30)


def test_the_due_minute_itself_counts() -> None:
    assert next_due(utc(2026, 1, 15, 9, 0), dt.time(9, 0), LONDON) == utc(2026, 1, 15, 9, 0)


def test_changing_zone_moves_the_next_post() -> None:
    now = utc(2026, 6, 1, 0, 0)
    assert next_due(now, dt.time(9, 0), SHANGHAI) == utc(2026, 6, 1, 1, 0)
    assert next_due(now, dt.time(9, 0), NEW_YORK) == utc(2026, 6, 1, 13, 0)


@pytest.mark.parametrize(
    ("text", "ok"), [("09:00", True), ("23:59", True), ("24:00", False), ("9:00", False), ("ab", False)]
)
def test_parse_hhmm(text: str, ok: bool) -> None:
    assert (parse_hhmm(text) is not None) is ok


def test_zones() -> None:
    assert parse_zone("Europe/London") == LONDON
    assert parse_zone("Mars/Olympus") is None
    assert parse_zone("../etc/passwd") is None
    assert zone_names("london")[0] == "Europe/London"
    assert len(zone_names("")) == 25
