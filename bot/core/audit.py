"""`python -m bot check`: the loader's validation, plus every reply of every card rendered and measured."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from bot.core.answers import Answer, Briefer, NotFound
from bot.core.content import Card, Content, Problem, load
from bot.core.language import LANGUAGES


def replies_for(briefer: Briefer, card: Card) -> Iterator[tuple[str, Answer]]:
    """Every reply a card can produce, in every language, named by the query that gives it."""
    for lang in LANGUAGES:
        yield f"{lang} /summary", briefer.summary(lang, card.id)
        yield f"{lang} /people", briefer.people(lang, story=card.id)
        yield f"{lang} /timeline", briefer.timeline(lang, story=card.id)
        yield f"{lang} /glossary", briefer.glossary(lang, story=card.id)
        for person in card.people:
            yield f"{lang} /people {person.ref}", briefer.people(lang, person.ref, card.id)
            yield f"{lang} /timeline {person.ref}", briefer.timeline(lang, person.ref, card.id)
        for term in card.terms:
            yield f"{lang} /glossary {term.ref}", briefer.glossary(lang, term.ref, card.id)
        yield f"{lang} /briefs", briefer.stories(lang)


def reply_problems(content: Content) -> list[Problem]:
    """Each reply that fails, and each page that breaks one of Discord's limits, in any language."""
    briefer = Briefer.serving(content)
    problems = []
    for card in content.library.cards:
        shown = content.library.files.get(card.id, card.id)
        query = "(replies)"
        try:
            for query, answer in replies_for(briefer, card):
                if isinstance(answer, NotFound):
                    problems.append(Problem(shown, query, "the query fails: " + answer.view.description))
                    continue
                for page, view in enumerate(answer.pages, start=1):
                    problems += [Problem(shown, f"{query} page {page}", issue) for issue in view.problems()]
        except Exception as exc:
            problems.append(Problem(shown, query, f"rendering fails: {type(exc).__name__}: {exc}"))
    return problems


def check_all(briefs_dir: Path, locales_dir: Path) -> tuple[Content | None, list[Problem]]:
    """Everything `python -m bot check` verifies: what the loader checks, then every reply rendered."""
    loaded = load(briefs_dir, locales_dir)
    if not isinstance(loaded, Content):
        return None, loaded
    problems = reply_problems(loaded)
    return (None if problems else loaded), problems
