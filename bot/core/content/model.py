"""Briefing cards as editors write them: the file format, checked field by field with pydantic."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from bot.core.content.compact import Compact
from bot.core.content.glossary import ID_PATTERN
from bot.core.language import Language
from bot.core.text import NO_REPLACEMENTS, PartialDate, Replacements, to_traditional

# Versions are stored as 32-bit integers, the range every store backend holds.
MAX_VERSION = 2**31 - 1
REFERENCE = re.compile(r"\{([a-z0-9]+(?:-[a-z0-9]+)*)\}")


class _Strict(Compact):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Text(_Strict):
    """One piece of reader-facing prose in English and Simplified Chinese, Traditional optional."""

    en: str = Field(min_length=1)
    zh_hans: str = Field(alias="zh-Hans", min_length=1)
    # Traditional is converted from Simplified unless an editor overrides a phrase OpenCC gets wrong.
    zh_hant: str | None = Field(default=None, alias="zh-Hant", min_length=1)

    def source(self, language: Language, replacements: Replacements = NO_REPLACEMENTS) -> str:
        """The text with its glossary references in place; converted Traditional gets the replacements."""
        if language == "en":
            return self.en
        if language == "zh-Hans":
            return self.zh_hans
        if self.zh_hant is not None:
            return self.zh_hant  # an editor's words, taken as written
        return to_traditional(self.zh_hans, replacements)

    def references(self, language: Language) -> set[str]:
        """The glossary ids this text refers to in one language."""
        return set(REFERENCE.findall(self.source(language)))


def _partial_date(value: object) -> PartialDate:
    if isinstance(value, PartialDate):
        return value
    return PartialDate.parse(str(value))


class Source(_Strict):
    """Where a story comes from."""

    outlet: str = Field(pattern=ID_PATTERN)
    authors: tuple[str, ...] = ()
    date: PartialDate

    _date = field_validator("date", mode="before")(_partial_date)


class Point(_Strict):
    """A key point: a heading and a few sentences."""

    heading: Text
    text: Text


class Person(_Strict):
    """A person in the story and their role in it."""

    ref: str = Field(pattern=ID_PATTERN)
    role: Text


class Event(_Strict):
    """A timeline event at the precision its date is really known."""

    date: PartialDate
    status: Literal["confirmed", "reported"]
    people: tuple[str, ...] = ()
    event: Text

    _date = field_validator("date", mode="before")(_partial_date)


class Term(_Strict):
    """A term the story uses and what it means there."""

    ref: str = Field(pattern=ID_PATTERN)
    meaning: Text


class Note(_Strict):
    """A labelled fact check where later reporting differs from the source."""

    text: Text


class Card(_Strict):
    """One story's briefing card, as an editor writes it."""

    id: str = Field(pattern=ID_PATTERN)
    kind: Literal["report", "analysis"]
    published: PartialDate
    version: int = Field(default=1, ge=1, le=MAX_VERSION)
    source: Source
    title: Text
    summary: Text
    points: tuple[Point, ...] = Field(min_length=1)
    people: tuple[Person, ...] = ()
    timeline: tuple[Event, ...] = ()
    terms: tuple[Term, ...] = ()
    notes: tuple[Note, ...] = ()
    # An analysis names the report it reads, so its replies can offer that report.
    about: str | None = Field(default=None, pattern=ID_PATTERN)
    # What the story is about (ids such as `ai`, `crypto`): a digest with topics carries only matching cards.
    topics: tuple[Annotated[str, Field(pattern=ID_PATTERN)], ...] = ()

    _published = field_validator("published", mode="before")(_partial_date)

    @property
    def is_report(self) -> bool:
        """A news report rather than an opinion piece."""
        return self.kind == "report"

    def texts(self) -> list[tuple[str, Text]]:
        """Every prose field with its dotted path, for checks that look at all of them."""
        found: list[tuple[str, Text]] = [("title", self.title), ("summary", self.summary)]
        for i, point in enumerate(self.points):
            found += [(f"points.{i}.heading", point.heading), (f"points.{i}.text", point.text)]
        found += [(f"people.{i}.role", p.role) for i, p in enumerate(self.people)]
        found += [(f"timeline.{i}.event", e.event) for i, e in enumerate(self.timeline)]
        found += [(f"terms.{i}.meaning", t.meaning) for i, t in enumerate(self.terms)]
        found += [(f"notes.{i}.text", n.text) for i, n in enumerate(self.notes)]
        return found

    def references(self) -> list[tuple[str, str]]:
        """Every glossary id the card names, with the dotted path that names it."""
        refs = [("source.outlet", self.source.outlet)]
        refs += [(f"people.{i}.ref", p.ref) for i, p in enumerate(self.people)]
        refs += [(f"terms.{i}.ref", t.ref) for i, t in enumerate(self.terms)]
        for i, event in enumerate(self.timeline):
            refs += [(f"timeline.{i}.people.{j}", ref) for j, ref in enumerate(event.people)]
        for path, text in self.texts():
            for lang in ("en", "zh-Hans"):
                refs += [(f"{path}.{lang}", ref) for ref in sorted(text.references(lang))]
        return refs
