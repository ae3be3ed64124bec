"""What a digest says: one short view per story that is new or changed since a server's last digest."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from bot.core.answers import Briefer
from bot.core.language import Language
from bot.core.layout import View, first_sentences, paginate


def compose(
    briefer: Briefer, language: Language, seen: Mapping[str, int], topics: Collection[str] = ()
) -> tuple[list[View], dict[str, int]]:
    """Views for stories newer than `seen` (card id -> version), oldest first, and what they carry.

    With `topics`, only cards sharing at least one of them are included.
    """
    _ = briefer.translation(language)
    library = briefer.library
    views: list[View] = []
    included: dict[str, int] = {}
    for card in reversed(library.newest_first()):
        if seen.get(card.id, 0) >= card.version:
            continue
        if topics and not set(card.topics).intersection(topics):
            continue
        b = library.briefing(card.id, language)
        more = _("Read more: {command}", command=f"`/summary story:{card.id}`")
        summary = first_sentences(b.summary, 2, 600)
        views += paginate(b.title, briefer.footer(b), f"{summary}\n{more}")
        included[card.id] = card.version
    return views, included
