"""A loaded set of cards and the glossary, each card rendered once in every language."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from bot.core.content.glossary import Entry, Glossary, fold
from bot.core.content.model import REFERENCE, Card, Text
from bot.core.language import LANGUAGES, Language
from bot.core.text import NO_REPLACEMENTS, PartialDate, Replacements, prepare_traditional


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
    text: Text, language: Language, glossary: Glossary, replacements: Replacements = NO_REPLACEMENTS
) -> str:
    """Resolve `{id}` references to the glossary's form for the language.

    Names go in after script conversion and its replacements, so they always read as the glossary has them.
    """
    source = text.source(language, replacements)
    if "{" not in source:
        return source  # the same string as the card's: a thousand cards' "Point 1" kept once
    return REFERENCE.sub(lambda m: glossary[m.group(1)].display(language), source)


def render_card(
    card: Card, language: Language, glossary: Glossary, replacements: Replacements = NO_REPLACEMENTS
) -> Briefing:
    """Render a card in one language; the card must have passed the reference check."""

    def r(text: Text) -> str:
        return render_text(text, language, glossary, replacements)

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
    """A loaded set of cards and the glossary, rendered in every language."""

    glossary: Glossary
    cards: list[Card]
    files: dict[str, str] = field(default_factory=dict)  # card id -> file it came from
    replacements: Replacements = NO_REPLACEMENTS  # Taiwan forms applied after OpenCC
    briefings: dict[tuple[str, Language], Briefing] = field(default_factory=dict)
    digests: dict[str, bytes] = field(default_factory=dict)  # file shown -> digest of the text loaded

    def render_all(self, previous: Library | None = None) -> list[Card]:
        """Render every card in every language once, so queries only look things up; return those rendered.

        A card taken over unchanged from `previous`, rendered there with the same glossary and
        replacements, keeps the briefings it had.
        """
        same = previous is not None and (previous.glossary, previous.replacements) == (
            self.glossary,
            self.replacements,
        )
        kept = {card.id for card in previous.cards} if same and previous is not None else set()
        old = previous.briefings if previous is not None else {}
        todo = [
            card for card in self.cards if not (card.id in kept and old[(card.id, LANGUAGES[0])].card is card)
        ]
        prepare_traditional(text.zh_hans for card in todo for _, text in card.texts() if text.zh_hant is None)
        briefings = {}
        fresh = {card.id for card in todo}
        for card in self.cards:
            for lang in LANGUAGES:
                key = (card.id, lang)
                if card.id in fresh:
                    briefings[key] = render_card(card, lang, self.glossary, self.replacements)
                else:
                    briefings[key] = old[key]
        self.briefings = briefings
        return todo

    def briefing(self, card_id: str, language: Language) -> Briefing:
        """A card in one language."""
        return self.briefings[(card_id, language)]

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
        return tuple(
            (card, fold(card.id), tuple(fold(self.briefing(card.id, lang).title) for lang in LANGUAGES))
            for card in self._orders[1]
        )

    @cached_property
    def story_ids(self) -> dict[str, Card]:
        """Each card by its folded id, for the exact look-up most queries make."""
        found: dict[str, Card] = {}
        for card, key, _ in self.story_keys:
            found.setdefault(key, card)
        return found
