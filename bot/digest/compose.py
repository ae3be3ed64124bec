"""What a digest says: one short view per story that is new or changed since a server's last digest."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping

from bot.core.answers import Briefer
from bot.core.content import Card
from bot.core.language import Language
from bot.core.layout import View, first_sentences, paginate


def story_views(briefer: Briefer, language: Language, card: Card) -> list[View]:
    """One story as a digest shows it: title, the opening of its summary, the command to read more."""
    _ = briefer.translation(language)
    b = briefer.library.briefing(card.id, language)
    more = _("Read more: {command}", command=f"`/summary story:{card.id}`")
    summary = first_sentences(b.summary, 2, 600)
    # Each view names its story, so the post can offer to open it.
    return [
        dataclasses.replace(view, story=card.id, language=language)
        for view in paginate(b.title, briefer.footer(b), f"{summary}\n{more}")
    ]


def compose(
    briefer: Briefer, language: Language, seen: Mapping[str, int], topics: Collection[str] = ()
) -> tuple[list[View], dict[str, int]]:
    """Views for stories newer than `seen` (card id -> version), oldest first, and what they carry.

    With `topics`, only cards carrying at least one of them are included.
    """
    views: list[View] = []
    included: dict[str, int] = {}
    for card in reversed(briefer.library.newest_first()):
        if seen.get(card.id, 0) >= card.version:
            continue
        if topics and not set(card.topics).intersection(topics):
            continue
        views += story_views(briefer, language, card)
        included[card.id] = card.version
    return views, included


def compose_stories(briefer: Briefer, language: Language, card_ids: Iterable[str]) -> list[View]:
    """A digest of the named stories, in their given order; ids no longer served are left out."""
    cards = {card.id: card for card in briefer.library.cards}
    return [
        view
        for card_id in card_ids
        if card_id in cards
        for view in story_views(briefer, language, cards[card_id])
    ]
