"""The rules a set of cards, its glossary and the catalogs must meet before the bot serves them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.pofile import read_po

from bot.core.content.glossary import HAN, Glossary
from bot.core.content.keys import key_clashes
from bot.core.content.library import Library
from bot.core.content.model import REFERENCE, Card, Text
from bot.core.content.problems import Problem, shown_path
from bot.core.language import CHINESE, LANGUAGES, catalog_dir_name
from bot.core.layout import CHOICE_NAME, TITLE
from bot.core.text import catalog_path

_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def glossary_problems(glossary: Glossary, shown: str) -> list[Problem]:
    """Entries whose Chinese forms contradict their confidence."""
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
        if entry.kind == "topic" and not (entry.zh_hans and entry.zh_hant):
            # A topic is a label the reader chooses by: it is shown in every language, never in English only.
            message = f"topic {entry.id} needs both Chinese forms"
            problems.append(Problem(shown, f"entry.{i}.zh-Hans", message))
    for first, second in key_clashes(glossary.entries):
        problems.append(Problem(shown, "entry", f"{first} and {second} share a button key: rename one"))
    return problems


def card_set_problems(cards: list[Card], files: dict[str, str]) -> list[Problem]:
    """Problems of the set as a whole: two card ids that buttons could not tell apart."""
    return [
        Problem(files.get(second, second), "id", f"shares a button key with {first}: rename one")
        for first, second in key_clashes(card.id for card in cards)
    ]


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


def card_problems(card: Card, shown: str, glossary: Glossary) -> list[Problem]:
    """References, languages and lists of one card, checked against the glossary."""
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
    seen_topics: set[str] = set()
    for i, topic in enumerate(card.topics):
        path = f"topics.{i}"
        if topic not in glossary:
            message = f"unknown topic {topic!r}: add it to the glossary as a topic"
            problems.append(Problem(shown, path, message))
        elif glossary[topic].kind != "topic":
            problems.append(Problem(shown, path, f"{topic!r} is a {glossary[topic].kind}, not a topic"))
        elif topic in seen_topics:
            problems.append(Problem(shown, path, f"{topic!r} is listed twice"))
        seen_topics.add(topic)
    listed = {p.ref for p in card.people}
    for i, event in enumerate(card.timeline):
        for j, ref in enumerate(event.people):
            if ref in glossary and ref not in listed:
                problems.append(
                    Problem(shown, f"timeline.{i}.people.{j}", f"{ref!r} is not in this card's people")
                )
    return problems


def _forms(value: object) -> tuple[str, ...]:
    """A message's id or string as a tuple: one form, or one per plural."""
    if isinstance(value, (tuple, list)):
        return tuple(str(v or "") for v in value)
    return (str(value or ""),)


def catalog_problems(locales_dir: Path) -> list[Problem]:
    """Missing catalogs, fuzzy or empty translations, placeholders that differ from the source."""
    problems = []
    for lang in LANGUAGES:
        po = catalog_path(locales_dir, lang)
        shown = shown_path(po)
        if not po.exists():
            problems.append(Problem(shown, "(file)", "catalog is missing"))
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=catalog_dir_name(lang))
        for message in catalog:
            if not message.id:
                continue
            ids, strings = _forms(message.id), _forms(message.string)
            field = f"msgid {ids[0]!r}"
            line = message.lineno or None
            if message.fuzzy:
                problems.append(Problem(shown, field, "is marked fuzzy", line))
            if any(not s for s in strings):
                problems.append(Problem(shown, field, "has an empty msgstr", line))
                continue
            wanted = set(_PLACEHOLDER.findall(ids[-1]))
            for s in strings:
                if set(_PLACEHOLDER.findall(s)) - wanted or (
                    len(ids) == 1 and set(_PLACEHOLDER.findall(s)) != wanted
                ):
                    problems.append(Problem(shown, field, f"placeholders differ: {s!r}", line))
    return problems


def about_problems(cards: list[Card], files: dict[str, str]) -> list[Problem]:
    """Each `about` must name a report in the same set, and only an analysis names one."""
    kinds = {card.id: card.kind for card in cards}
    problems = []
    for card in cards:
        if card.about is None:
            continue
        shown = files.get(card.id, card.id)
        if card.is_report:
            problems.append(Problem(shown, "about", "only an analysis names the report it reads"))
        elif card.about not in kinds:
            problems.append(Problem(shown, "about", f"no card has the id {card.about!r}"))
        elif kinds[card.about] != "report":
            problems.append(Problem(shown, "about", f"{card.about!r} is an analysis, not a report"))
    return problems


def limit_problems(library: Library) -> list[Problem]:
    """Text that paging cannot fix: titles, and names offered as autocomplete choices."""
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
                    if len(name := entry.label(lang)) > CHOICE_NAME:
                        message = f"shown as {len(name)} characters in {lang}; a choice holds {CHOICE_NAME}"
                        problems.append(Problem(shown, f"{group}.{i}.ref", message))
    return problems
