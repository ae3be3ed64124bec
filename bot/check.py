"""Validation of cards, glossary and catalogs: every problem named by file, field and what is wrong."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.pofile import read_po

from bot.cards import REFERENCE, Card, Library, Problem, Text, _shown, card_files, load_card, load_glossary
from bot.glossary import HAN, Glossary
from bot.i18n import CHINESE, DOMAIN, LANGUAGES, Catalogs, catalog_dir_name
from bot.layout import CHOICE_NAME, TITLE, Reply
from bot.queries import Briefer

_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _glossary_problems(glossary: Glossary, shown: str) -> list[Problem]:
    problems = []
    for i, entry in enumerate(glossary.entries.values()):
        if entry.confidence == "unresolved" and (entry.zh_hans or entry.zh_hant):
            problems.append(
                Problem(shown, f"entry.{i}.zh-Hans", f"{entry.id} is unresolved: keep candidates in aliases")
            )
        if entry.confidence != "unresolved" and bool(entry.zh_hans) != bool(entry.zh_hant):
            problems.append(
                Problem(shown, f"entry.{i}.zh-Hant", f"{entry.id} needs both Chinese forms or neither")
            )
    return problems


def _text_problems(shown: str, path: str, text: Text, glossary: Glossary) -> Iterator[Problem]:
    sources = {"en": text.en, "zh-Hans": text.zh_hans}
    if text.zh_hant is not None:
        sources["zh-Hant"] = text.zh_hant
    for lang, source in sources.items():
        for ref in sorted(set(REFERENCE.findall(source))):
            if ref not in glossary:
                yield Problem(shown, f"{path}.{lang}", f"unknown glossary reference {{{ref}}}")
        stray = REFERENCE.sub("", source)
        if "{" in stray or "}" in stray:
            yield Problem(shown, f"{path}.{lang}", "has a brace that is not a {glossary-id} reference")
        if lang in CHINESE and any(c.isalpha() for c in stray) and not HAN.search(stray):
            yield Problem(shown, f"{path}.{lang}", "has no Chinese characters")
    english = set(REFERENCE.findall(text.en))
    for lang in ("zh-Hans", "zh-Hant"):
        if lang in sources and (other := set(REFERENCE.findall(sources[lang]))) != english:
            diff = ", ".join(sorted(f"{{{r}}}" for r in english ^ other))
            yield Problem(shown, f"{path}.{lang}", f"references differ from en: {diff}")


def _card_problems(card: Card, shown: str, glossary: Glossary) -> list[Problem]:
    problems = []
    for path, ref in card.references():
        if ".en" in path or ".zh-" in path:
            continue  # prose references are checked with their text below
        if ref not in glossary:
            problems.append(Problem(shown, path, f"unknown glossary reference {ref!r}"))
    for path, text in card.texts():
        problems += _text_problems(shown, path, text, glossary)
    for group, refs in (("people", [p.ref for p in card.people]), ("terms", [t.ref for t in card.terms])):
        seen: set[str] = set()
        for i, ref in enumerate(refs):
            if ref in seen:
                problems.append(Problem(shown, f"{group}.{i}.ref", f"{ref!r} is listed twice"))
            seen.add(ref)
    for i, person in enumerate(card.people):
        if person.ref in glossary and glossary[person.ref].kind != "person":
            problems.append(
                Problem(shown, f"people.{i}.ref", f"{person.ref!r} is not a person in the glossary")
            )
    listed = {p.ref for p in card.people}
    for i, event in enumerate(card.timeline):
        for j, ref in enumerate(event.people):
            if ref in glossary and ref not in listed:
                problems.append(
                    Problem(shown, f"timeline.{i}.people.{j}", f"{ref!r} is not in this card's people")
                )
    return problems


def _catalog_problems(locales_dir: Path) -> list[Problem]:
    problems = []
    for lang in LANGUAGES:
        po = locales_dir / catalog_dir_name(lang) / "LC_MESSAGES" / f"{DOMAIN}.po"
        shown = _shown(po)
        if not po.exists():
            problems.append(Problem(shown, "(file)", "catalog is missing"))
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=catalog_dir_name(lang))
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            field = f"msgid {ids[0]!r}"
            if message.fuzzy:
                problems.append(Problem(shown, field, "is marked fuzzy"))
            if any(not s for s in strings):
                problems.append(Problem(shown, field, "has an empty msgstr"))
                continue
            wanted = set(_PLACEHOLDER.findall(ids[-1]))
            for s in strings:
                if set(_PLACEHOLDER.findall(s)) - wanted or (
                    len(ids) == 1 and set(_PLACEHOLDER.findall(s)) != wanted
                ):
                    problems.append(Problem(shown, field, f"placeholders differ: {s!r}"))
    return problems


def replies_for(briefer: Briefer, card: Card) -> Iterator[tuple[str, Reply]]:
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


def _limit_problems(library: Library, catalogs: Catalogs, every_reply: bool) -> list[Problem]:
    """Text that paging cannot fix (titles, names in choices); with `every_reply`, every page too."""
    briefer = Briefer(library, catalogs)
    problems = []
    for card in library.cards:
        shown = library.files.get(card.id, card.id)
        for lang in LANGUAGES:
            b = library.briefing(card.id, lang)
            if len(b.title) > TITLE - 40:  # room for "Timeline: " and the like
                problems.append(
                    Problem(shown, f"title.{lang}", f"{len(b.title)} characters; keep it under {TITLE - 40}")
                )
            for group, items in (("people", b.people), ("terms", b.terms)):
                for i, (entry, _) in enumerate(items):
                    if len(name := briefer._name(entry, lang)) > CHOICE_NAME:
                        message = f"shown as {len(name)} characters in {lang}; a choice holds {CHOICE_NAME}"
                        problems.append(Problem(shown, f"{group}.{i}.ref", message))
        if not every_reply:
            continue
        for query, reply in replies_for(briefer, card):
            if reply.error:
                problems.append(Problem(shown, query, "the query fails: " + reply.pages[0].description))
            for page, view in enumerate(reply.pages, start=1):
                problems += [Problem(shown, f"{query} page {page}", issue) for issue in view.problems()]
    return problems


def load_library(briefs_dir: Path, locales_dir: Path) -> tuple[Library | None, list[Problem]]:
    """Load and check everything; the library is returned only when there is no problem at all."""
    glossary, problems = load_glossary(locales_dir)
    if glossary is None:
        return None, problems
    problems += _glossary_problems(glossary, _shown(locales_dir / "glossary.toml"))
    cards: list[Card] = []
    files: dict[str, str] = {}
    paths = card_files(briefs_dir)
    if not briefs_dir.is_dir():
        problems.append(Problem(_shown(briefs_dir), "(folder)", "does not exist"))
    elif not paths:
        problems.append(Problem(_shown(briefs_dir), "(folder)", "has no .toml card files"))
    for path in paths:
        card, card_problems = load_card(path)
        shown = _shown(path)
        problems += card_problems
        if card is None:
            continue
        if card.id in files:
            problems.append(Problem(shown, "id", f"duplicate card id {card.id!r} (also in {files[card.id]})"))
            continue
        problems += _card_problems(card, shown, glossary)
        files[card.id] = shown
        cards.append(card)
    if problems:
        return None, problems
    library = Library(glossary, cards, files)
    library.render_all()
    return library, []


def check_all(
    briefs_dir: Path, locales_dir: Path, every_reply: bool = True
) -> tuple[Library | None, list[Problem]]:
    """Everything `python -m bot check` verifies: content, catalogs, Discord's limits in every language.

    The bot itself loads with `every_reply=False`: its pages are split to fit as they are built, so
    rendering every reply in advance is for the editor's check and CI, not for each start or reload.
    """
    library, problems = load_library(briefs_dir, locales_dir)
    problems += _catalog_problems(locales_dir)
    if library is not None and not problems:
        problems += _limit_problems(library, Catalogs.load(locales_dir), every_reply)
    return (None if problems else library), problems
