"""Where each piece of shown text came from: an editor, OpenCC, the glossary, or the interface.

Editors never see the Traditional Chinese that OpenCC makes from their Simplified text; a preview
that tells machine text apart from what they wrote (or overrode) shows them what to check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.core.content.glossary import Glossary
from bot.core.content.model import REFERENCE, Card, Text
from bot.core.language import LANGUAGES, Language
from bot.core.text import NO_REPLACEMENTS, Replacements

Origin = Literal["editor", "opencc", "glossary", "interface"]

# Pagination cuts prose after sentence ends and clause marks (and, rarely, at a space), so card text
# is looked for in pieces cut at those marks: a piece is then whole on whichever page it lands.
_CUT = re.compile(r"[。！？；，、：]+[”’」』）)]*|[.!?;,:]+[”’」』）)\"']*(?=\s)|\n+")
_SHORTEST = 2  # a lone character would match punctuation and dates in interface text


@dataclass(frozen=True)
class Span:
    """A run of text and where it came from."""

    text: str
    origin: Origin


def render_spans(
    text: Text, language: Language, glossary: Glossary, replacements: Replacements = NO_REPLACEMENTS
) -> tuple[Span, ...]:
    """A text as `render_text` renders it, in runs labelled by origin; joined, they are that string.

    Converted Traditional counts as OpenCC's with the Taiwan replacements applied: machine text either way.
    """
    prose: Origin = "opencc" if language == "zh-Hant" and text.zh_hant is None else "editor"
    source = text.source(language, replacements)
    spans: list[Span] = []
    at = 0
    for match in REFERENCE.finditer(source):
        if match.start() > at:
            spans.append(Span(source[at : match.start()], prose))
        spans.append(Span(glossary[match.group(1)].display(language), "glossary"))
        at = match.end()
    if at < len(source):
        spans.append(Span(source[at:], prose))
    return tuple(spans)


@dataclass(frozen=True)
class Provenance:
    """A card's prose in one language cut into pieces with the origin of each character, and its names."""

    pieces: tuple[tuple[str, tuple[Origin, ...]], ...]
    names: tuple[str, ...]


def _pieces(text: str) -> Iterable[tuple[int, int]]:
    """Start and end of each piece of a text cut where pagination may cut it, spaces trimmed."""
    at = 0
    for match in [*_CUT.finditer(text), None]:
        end = len(text) if match is None else match.end()
        start = at
        while start < end and text[start].isspace():
            start += 1
        stop = end
        while stop > start and text[stop - 1].isspace():
            stop -= 1
        if stop - start >= _SHORTEST:
            yield start, stop
        at = end


def card_provenance(
    card: Card, language: Language, glossary: Glossary, replacements: Replacements = NO_REPLACEMENTS
) -> Provenance:
    """Where each character of a card's text in one language came from, ready to find in replies."""
    pieces: dict[str, tuple[Origin, ...]] = {}
    for _, text in card.texts():
        spans = render_spans(text, language, glossary, replacements)
        rendered = "".join(span.text for span in spans)
        origins = tuple(origin for span in spans for origin in [span.origin] * len(span.text))
        for start, stop in _pieces(rendered):
            pieces.setdefault(rendered[start:stop], origins[start:stop])
    names = {
        glossary[ref].display(lang) for _, ref in card.references() if ref in glossary for lang in LANGUAGES
    }
    return Provenance(
        tuple(sorted(pieces.items(), key=lambda item: -len(item[0]))),
        tuple(sorted((n for n in names if n), key=len, reverse=True)),
    )


def mark(shown: str, provenance: Provenance) -> tuple[Span, ...]:
    """A string as shown in a reply, split by origin; what the card does not account for is interface text.

    Replies put card text between interface words and dates, and pages may split it, so each piece
    of the card's text is looked for in the shown string, longest first, then each name on its own.
    """
    origins: list[Origin] = ["interface"] * len(shown)
    claimed = [False] * len(shown)
    name: Origin = "glossary"
    named = [(n, (name,) * len(n)) for n in provenance.names]
    for needle, labels in [*provenance.pieces, *named]:
        start = shown.find(needle)
        while start != -1:
            end = start + len(needle)
            if not any(claimed[start:end]):
                origins[start:end] = labels
                claimed[start:end] = [True] * len(needle)
            start = shown.find(needle, start + 1)
    return _merge(shown, origins)


def _merge(shown: str, origins: Sequence[Origin]) -> tuple[Span, ...]:
    spans: list[Span] = []
    at = 0
    for i in range(1, len(shown) + 1):
        if i == len(shown) or origins[i] != origins[at]:
            spans.append(Span(shown[at:i], origins[at]))
            at = i
    return tuple(spans)
