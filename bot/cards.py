"""Briefing cards: the file format, loading a whole set, and rendering a card in one language."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.glossary import ID_PATTERN, Entry, Glossary
from bot.i18n import LANGUAGES, PartialDate, prepare_traditional, to_traditional
from bot.settings import Language

REFERENCE = re.compile(r"\{([a-z0-9]+(?:-[a-z0-9]+)*)\}")
GLOSSARY_FILE = "glossary.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Text(_Strict):
    """One piece of reader-facing prose in English and Simplified Chinese, Traditional optional."""

    en: str = Field(min_length=1)
    zh_hans: str = Field(alias="zh-Hans", min_length=1)
    # Traditional is converted from Simplified unless an editor overrides a phrase OpenCC gets wrong.
    zh_hant: str | None = Field(default=None, alias="zh-Hant", min_length=1)

    def source(self, language: Language) -> str:
        """The text with its glossary references still in place."""
        if language == "en":
            return self.en
        if language == "zh-Hans":
            return self.zh_hans
        return self.zh_hant if self.zh_hant is not None else to_traditional(self.zh_hans)

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
    version: int = Field(default=1, ge=1)
    source: Source
    title: Text
    summary: Text
    points: tuple[Point, ...] = Field(min_length=1)
    people: tuple[Person, ...] = ()
    timeline: tuple[Event, ...] = ()
    terms: tuple[Term, ...] = ()
    notes: tuple[Note, ...] = ()

    _published = field_validator("published", mode="before")(_partial_date)

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


# --- a card rendered in one language -----------------------------------------------------------------


@dataclass(frozen=True)
class RenderedEvent:
    """A timeline event in one language."""

    date: PartialDate
    reported: bool
    people: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Briefing:
    """A card with every glossary reference resolved in one language's script."""

    card: Card
    language: Language
    title: str
    summary: str
    outlet: str
    points: tuple[tuple[str, str], ...]
    people: tuple[tuple[Entry, str], ...]
    timeline: tuple[RenderedEvent, ...]
    terms: tuple[tuple[Entry, str], ...]
    notes: tuple[str, ...]
    roles: dict[str, str] = field(default_factory=dict)  # person id -> role, for one-person answers
    meanings: dict[str, str] = field(default_factory=dict)  # term id -> meaning


def render_text(text: Text, language: Language, glossary: Glossary) -> str:
    """Resolve `{id}` references to the glossary's form for the language."""
    return REFERENCE.sub(lambda m: glossary[m.group(1)].display(language), text.source(language))


def render_card(card: Card, language: Language, glossary: Glossary) -> Briefing:
    """Render a card in one language; the card must have passed the reference check."""

    def r(text: Text) -> str:
        return render_text(text, language, glossary)

    people = tuple((glossary[p.ref], r(p.role)) for p in card.people)
    terms = tuple((glossary[t.ref], r(t.meaning)) for t in card.terms)
    return Briefing(
        card=card,
        language=language,
        title=r(card.title),
        summary=r(card.summary),
        outlet=glossary[card.source.outlet].display(language),
        points=tuple((r(p.heading), r(p.text)) for p in card.points),
        people=people,
        timeline=tuple(
            RenderedEvent(e.date, e.status == "reported", e.people, r(e.event))
            for e in sorted(card.timeline, key=lambda e: e.date)
        ),
        terms=terms,
        notes=tuple(r(n.text) for n in card.notes),
        roles={entry.id: role for entry, role in people},
        meanings={entry.id: meaning for entry, meaning in terms},
    )


# --- loading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content: which file, which field, what."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


@dataclass
class Library:
    """A loaded set of cards and the glossary, rendered in every language."""

    glossary: Glossary
    cards: list[Card]
    files: dict[str, str] = field(default_factory=dict)  # card id -> file it came from
    briefings: dict[tuple[str, Language], Briefing] = field(default_factory=dict)

    def render_all(self) -> None:
        """Render every card in every language once, so queries only look things up."""
        prepare_traditional(
            text.zh_hans for card in self.cards for _, text in card.texts() if text.zh_hant is None
        )
        self.briefings = {
            (card.id, lang): render_card(card, lang, self.glossary)
            for card in self.cards
            for lang in LANGUAGES
        }

    def briefing(self, card_id: str, language: Language) -> Briefing:
        """A card in one language."""
        return self.briefings[(card_id, language)]

    def newest_first(self) -> list[Card]:
        """Cards, newest published first."""
        return sorted(self.cards, key=lambda c: (c.published, c.id), reverse=True)


def _pydantic_problems(file: str, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        path = ".".join(str(part) for part in err["loc"]) or "(file)"
        message = err["msg"]
        if err["type"] == "missing":
            message = "is missing"
        elif err["type"] == "extra_forbidden":
            message = "is not a known field"
        problems.append(Problem(file, path, message))
    return problems


def _read_toml(path: Path, shown: str) -> tuple[dict | None, list[Problem]]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh), []
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(shown, "(syntax)", str(exc))]
    except OSError as exc:
        return None, [Problem(shown, "(file)", exc.strerror or str(exc))]


def load_glossary(locales_dir: Path) -> tuple[Glossary | None, list[Problem]]:
    """Parse the glossary file, reporting each bad entry by its index."""
    path = locales_dir / GLOSSARY_FILE
    shown = _shown(path)
    data, problems = _read_toml(path, shown)
    if data is None:
        return None, problems
    raw_entries = data.get("entry", [])
    if not isinstance(raw_entries, list):
        return None, [Problem(shown, "entry", "must be an array of tables ([[entry]])")]
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_entries):
        try:
            entry = Entry.model_validate(raw)
        except ValidationError as exc:
            problems += [
                Problem(p.file, f"entry.{i}.{p.field}", p.message) for p in _pydantic_problems(shown, exc)
            ]
            continue
        if entry.id in seen:
            problems.append(
                Problem(shown, f"entry.{i}.id", f"duplicate id {entry.id!r} (also entry.{seen[entry.id]})")
            )
            continue
        seen[entry.id] = i
        entries.append(entry)
    return Glossary(entries), problems


def load_card(path: Path) -> tuple[Card | None, list[Problem]]:
    """Parse one card file."""
    shown = _shown(path)
    data, problems = _read_toml(path, shown)
    if data is None:
        return None, problems
    try:
        return Card.model_validate(data), []
    except ValidationError as exc:
        return None, _pydantic_problems(shown, exc)


def card_files(briefs_dir: Path) -> list[Path]:
    """The card files in a folder, in a stable order."""
    return sorted(briefs_dir.glob("*.toml"))


def _shown(path: Path) -> str:
    """A path as a person would name it: relative to the working directory when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
