"""The daily digest: local-time schedule, composition, the scheduler and its rate budget, webhook delivery."""

from bot.digest.compose import compose, compose_stories, story_views
from bot.digest.schedule import UTC, local_date, next_due, occurrence, parse_hhmm, parse_zone, zone_names
from bot.digest.scheduler import (
    Delivery,
    DigestScheduler,
    Gone,
    Outcome,
    RateLimiter,
    Transient,
    mark,
    marked,
    nonce_for,
    utc_now,
)

__all__ = [
    "UTC",
    "Delivery",
    "DigestScheduler",
    "Gone",
    "Outcome",
    "RateLimiter",
    "Transient",
    "compose",
    "compose_stories",
    "local_date",
    "mark",
    "marked",
    "next_due",
    "nonce_for",
    "occurrence",
    "parse_hhmm",
    "parse_zone",
    "story_views",
    "utc_now",
    "zone_names",
]
