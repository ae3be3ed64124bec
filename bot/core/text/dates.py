"""Dates known to a year, a month or a day, rendered at that precision with Babel's CLDR patterns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from babel.dates import format_date, format_skeleton

from bot.core.language import FORMAT_LOCALES, Language

Precision = Literal["year", "month", "day"]


@dataclass(frozen=True, order=True)
class PartialDate:
    """A calendar date known to a year, a month or a day."""

    year: int
    month: int = 1
    day: int = 1
    precision: Precision = "day"

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; the form sets the precision."""
        parts = text.strip().split("-")
        if not all(p.isdigit() for p in parts) or len(parts[0]) != 4 or len(parts) > 3:
            raise ValueError(f"{text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        if any(len(p) != 2 for p in parts[1:]):
            raise ValueError(f"{text!r} must use two digits for month and day")
        numbers = [int(p) for p in parts]
        precision: Precision = ("year", "month", "day")[len(parts) - 1]
        # Raises on a month or day that does not exist.
        full = dt.date(numbers[0], *[*numbers[1:], 1, 1][:2])
        return cls(full.year, full.month, full.day, precision)

    def as_date(self) -> dt.date:
        """The first day this date could mean."""
        return dt.date(self.year, self.month, self.day)

    def __str__(self) -> str:
        return {"year": f"{self.year:04d}", "month": f"{self.year:04d}-{self.month:02d}"}.get(
            self.precision, self.as_date().isoformat()
        )


def format_partial_date(value: PartialDate, language: Language) -> str:
    """Render a date at its precision in a language."""
    locale = FORMAT_LOCALES[language]
    if value.precision == "year":
        return format_skeleton("y", value.as_date(), locale=locale)
    if value.precision == "month":
        return format_skeleton("yMMMM", value.as_date(), locale=locale)
    return format_date(value.as_date(), "long", locale=locale)


def format_day(day: dt.date, language: Language) -> str:
    """A calendar day written out in a language ("24 November 2026", "2026年11月24日")."""
    return format_date(day, "long", locale=FORMAT_LOCALES[language])
