"""A loaded set of cards and the glossary; a card is rendered in a language when it is first asked for."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from babel.lists import format_list

from bot.core.content.glossary import Entry, Glossary, fold
from bot.core.content.model import REFERENCE, Card, Text
from bot.core.language import FORMAT_LOCALES, LANGUAGES, Language
from bot.core.text import (
    NO_REPLACEMENTS,
    PartialDate,
    Replacements,
    format_partial_date,
    prepare_traditional,
    to_traditional,
)

# Briefings kept rendered, most recently used first: a third of a 1,000-card newsroom in every language.
# Rendering one takes a fraction of a millisecond, so the rest are rendered again when asked for.
RENDERED = 1024


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


def render_text(
    text: Text,
    language: Language,
    glossary: Glossary,
    replacements: Replacements = NO_REPLACEMENTS,
    traditional: Mapping[str, str] | None = None,
) -> str:
    """Resolve `{id}` references to the glossary's form for the language.

    Names go in after script conversion and its replacements, so they always read as the glossary has them.
    `traditional` holds OpenCC's conversions of Simplified texts, made when the content was loaded.
    """
    if language == "zh-Hant" and text.zh_hant is None and traditional and text.zh_hans in traditional:
        source = replacements.apply(traditional[text.zh_hans])
    else:
        source = text.source(language, replacements)
    if "{" not in source:
        return source  # the same string as the card's: a thousand cards' "Point 1" kept once
    return REFERENCE.sub(lambda m: glossary[m.group(1)].display(language), source)


def render_card(
    card: Card,
    language: Language,
    glossary: Glossary,
    replacements: Replacements = NO_REPLACEMENTS,
    traditional: Mapping[str, str] | None = None,
) -> Briefing:
    """Render a card in one language; the card must have passed the reference check."""

    def r(text: Text) -> str:
        return render_text(text, language, glossary, replacements, traditional)

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


@dataclass
class Library:
    """A loaded set of cards and the glossary; briefings are rendered when asked for, and some kept."""

    glossary: Glossary
    cards: list[Card]
    files: dict[str, str] = field(default_factory=dict)  # card id -> file it came from
    replacements: Replacements = NO_REPLACEMENTS  # Taiwan forms applied after OpenCC
    digests: dict[str, bytes] = field(default_factory=dict)  # file shown -> digest of the text loaded
    # Made by `prepare`: OpenCC's Traditional for each Simplified text, so rendering never loads OpenCC,
    # and every title in every language, for lists and search.
    traditional: dict[str, str] = field(default_factory=dict)
    titles: dict[tuple[str, Language], str] = field(default_factory=dict)
    folded_titles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # card id -> for search
    # Each card's source credit in each language, (authors as a list, date): formatted with Babel here,
    # so a start from the cache answers its first /summary without loading Babel's locale data.
    credits: dict[tuple[str, Language], tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rendered: OrderedDict[tuple[str, Language], Briefing] = OrderedDict()
        self._lock = threading.Lock()  # queries render in worker threads, several at once

    def __getstate__(self) -> dict[str, Any]:
        # Rendered briefings are quick to make again; the content cache keeps what is slow to make.
        return {k: v for k, v in self.__dict__.items() if k not in ("_rendered", "_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    def prepare(self, previous: Library | None = None) -> list[Card]:
        """Convert to Traditional and render every title once; return the cards that were new to it.

        A card taken over unchanged from `previous`, with the same glossary and replacements, keeps
        the titles it had there; a Simplified text converted there is not converted again.
        """
        same = previous is not None and (previous.glossary, previous.replacements) == (
            self.glossary,
            self.replacements,
        )
        old = {card.id: card for card in previous.cards} if same and previous is not None else {}
        known = previous.traditional if previous is not None else {}
        simplified = [text.zh_hans for card in self.cards for _, text in card.texts() if text.zh_hant is None]
        prepare_traditional(t for t in simplified if t not in known)  # in a child: OpenCC stays out of us
        self.traditional = {t: known[t] if t in known else to_traditional(t) for t in simplified}
        fresh = [card for card in self.cards if old.get(card.id) is not card]
        self.titles, self.folded_titles, self.credits = {}, {}, {}
        for card in self.cards:
            if previous is not None and old.get(card.id) is card and card.id in previous.folded_titles:
                self.folded_titles[card.id] = previous.folded_titles[card.id]
                for lang in LANGUAGES:
                    self.titles[(card.id, lang)] = previous.titles[(card.id, lang)]
                    self.credits[(card.id, lang)] = previous.credits[(card.id, lang)]
                continue
            for lang in LANGUAGES:
                self.titles[(card.id, lang)] = render_text(
                    card.title, lang, self.glossary, self.replacements, self.traditional
                )
                authors = list(card.source.authors)
                self.credits[(card.id, lang)] = (
                    format_list(authors, locale=FORMAT_LOCALES[lang]) if authors else "",
                    format_partial_date(card.source.date, lang),
                )
            self.folded_titles[card.id] = tuple(fold(self.titles[(card.id, lang)]) for lang in LANGUAGES)
        _ = self.glossary.alphabetical  # made once per glossary, and kept with it in the content cache
        _ = self.story_ids  # the story orders and index too: a start from the cache does not sort 1,000 cards
        return fresh

    def title(self, card_id: str, language: Language) -> str:
        """A card's title in one language."""
        return self.titles[(card_id, language)]

    def briefing(self, card_id: str, language: Language) -> Briefing:
        """A card in one language."""
        key = (card_id, language)
        with self._lock:
            if (found := self._rendered.get(key)) is not None:
                self._rendered.move_to_end(key)
                return found
        card = self._by_id[card_id]
        rendered = render_card(card, language, self.glossary, self.replacements, self.traditional)
        with self._lock:
            self._rendered[key] = rendered
            if len(self._rendered) > RENDERED:
                self._rendered.popitem(last=False)
        return rendered

    @cached_property
    def _by_id(self) -> dict[str, Card]:
        return {card.id: card for card in self.cards}

    def newest_first(self) -> list[Card]:
        """Cards, newest published first."""
        return list(self._orders[0])

    def reports_first(self) -> list[Card]:
        """Reports newest first, then analyses newest first: the order readers are offered stories in."""
        return list(self._orders[1])

    @cached_property
    def _orders(self) -> tuple[tuple[Card, ...], tuple[Card, ...]]:
        # A library is never changed once loaded (reloads build a new one), so the orders are kept.
        newest = tuple(sorted(self.cards, key=lambda c: (c.published, c.id), reverse=True))
        return newest, tuple(sorted(newest, key=lambda c: not c.is_report))

    @cached_property
    def story_keys(self) -> tuple[tuple[Card, str, tuple[str, ...]], ...]:
        """Each card, reports first, with its id and its titles in every language folded for search."""
        return tuple((card, fold(card.id), self.folded_titles[card.id]) for card in self._orders[1])

    @cached_property
    def story_ids(self) -> dict[str, Card]:
        """Each card by its folded id, for the exact look-up most queries make."""
        found: dict[str, Card] = {}
        for card, key, _ in self.story_keys:
            found.setdefault(key, card)
        return found
