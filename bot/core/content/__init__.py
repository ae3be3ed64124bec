"""Briefing content: the card format, the glossary and its search, loading and validating, rendering."""

from bot.core.content.glossary import HAN, ID_PATTERN, Entry, Glossary, Match, fold, romanise
from bot.core.content.keys import KEY_LENGTH, KEY_PATTERN, key_clashes, short_key
from bot.core.content.library import Briefing, Library, RenderedEvent, render_card, render_text
from bot.core.content.load import (
    GLOSSARY_FILE,
    Content,
    card_files,
    load,
    load_card,
    load_glossary,
    load_library,
)
from bot.core.content.model import REFERENCE, Card, Event, Note, Person, Point, Source, Term, Text
from bot.core.content.problems import Problem, shown_path
from bot.core.content.provenance import Origin, Provenance, Span, card_provenance, mark, render_spans

__all__ = [
    "GLOSSARY_FILE",
    "HAN",
    "ID_PATTERN",
    "KEY_LENGTH",
    "KEY_PATTERN",
    "REFERENCE",
    "Briefing",
    "Card",
    "Content",
    "Entry",
    "Event",
    "Glossary",
    "Library",
    "Match",
    "Note",
    "Origin",
    "Person",
    "Point",
    "Problem",
    "Provenance",
    "RenderedEvent",
    "Source",
    "Span",
    "Term",
    "Text",
    "card_files",
    "card_provenance",
    "fold",
    "key_clashes",
    "load",
    "load_card",
    "load_glossary",
    "load_library",
    "mark",
    "render_card",
    "render_spans",
    "render_text",
    "romanise",
    "short_key",
    "shown_path",
]
