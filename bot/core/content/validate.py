"""The rules a set of cards, its glossary and the catalogs must meet before the bot serves them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from string import Formatter
from typing import TYPE_CHECKING

from bot.core.content.files import decode, read_bytes
from bot.core.content.glossary import HAN, Glossary
from bot.core.content.keys import key_clashes
from bot.core.content.library import Library
from bot.core.content.model import REFERENCE, Card, Text
from bot.core.content.problems import Problem, shown_path
from bot.core.language import CHINESE, LANGUAGES, catalog_dir_name
from bot.core.layout import CHOICE_NAME
from bot.core.text import DOMAIN, catalog_path

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog


def glossary_problems(glossary: Glossary, shown: str) -> list[Problem]:
    """Entries whose Chinese forms contradict their confidence."""
    problems = []
    for i, entry in enumerate(glossary.entries.values()):
        forms = {"en": entry.en, "zh-Hans": entry.zh_hans, "zh-Hant": entry.zh_hant, "pinyin": entry.pinyin}
        for key, form in forms.items():
            if form and ("{" in form or "}" in form):
                # A form is shown as written, so a reference in it would reach readers as braces.
                message = f"{form!r} contains a reference or brace; write the name itself"
                problems.append(Problem(shown, f"entry.{i}.{key}", message))
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


_PO_LINE = re.compile(r'^(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"(?:[^"\\]|\\.)*"\s*$')


def placeholders(text: str) -> set[str]:
    """The named fields of a format string, read as `str.format` reads them; ValueError if it cannot."""
    names = set()
    for _, name, spec, conversion in Formatter().parse(text):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            # `{language.__class__}` or `{0}` would render something nobody wrote, or fail.
            raise ValueError(f"{{{name}}} is not a plain named placeholder")
        names.add(name)
    return names


def _read_catalog(
    path: Path, shown: str, folder: Path, locale: str | None
) -> tuple[Catalog | None, list[Problem]]:
    data, problems = read_bytes(path, shown, folder)
    if data is None:
        return None, problems
    text, problems = decode(data, shown)
    if text is None:
        return None, problems
    for number, line in enumerate(text.splitlines(), start=1):
        # Babel's parser passes over some broken lines (an unterminated string) without a word.
        if line.strip() and not line.startswith("#") and not _PO_LINE.match(line):
            return None, [Problem(shown, "(syntax)", f"not a catalog line: {line[:60]!r}", number)]
    # Babel's catalog tools load when content is checked, not when a bot starts from its cache.
    from babel.messages.pofile import PoFileError, read_po  # noqa: PLC0415

    try:
        return read_po(io.BytesIO(data), locale=locale, abort_invalid=True), []
    except PoFileError as exc:
        return None, [Problem(shown, "(syntax)", str(exc))]
    except (ValueError, LookupError) as exc:
        return None, [Problem(shown, "(syntax)", f"{type(exc).__name__}: {exc}")]


def _message_problems(
    shown: str, ids: tuple[str, ...], strings: tuple[str, ...], line: int | None
) -> Iterator[Problem]:
    field = f"msgid {ids[0]!r}"
    try:
        wanted = placeholders(ids[-1])
    except ValueError as exc:
        yield Problem(shown, field, f"the source string is not a valid format string: {exc}", line)
        return
    for s in strings:
        try:
            found = placeholders(s)
        except ValueError as exc:
            yield Problem(shown, field, f"msgstr {s!r} is not a valid format string: {exc}", line)
            continue
        # A plural form may leave out {n} ("one story" in English); it may never add a name.
        if found - wanted or (len(ids) == 1 and found != wanted):
            yield Problem(shown, field, f"placeholders differ: {s!r}", line)


def catalog_problems(locales_dir: Path) -> list[Problem]:
    """Missing, unreadable or incomplete catalogs, fuzzy or empty translations, bad placeholders."""
    problems = []
    template_path = locales_dir / f"{DOMAIN}.pot"
    template, found = _read_catalog(template_path, shown_path(template_path), locales_dir, None)
    problems += found
    expected = {message.id for message in template or () if message.id}
    for lang in LANGUAGES:
        po = catalog_path(locales_dir, lang)
        shown = shown_path(po)
        if not po.exists() and not po.is_symlink():
            problems.append(Problem(shown, "(file)", "catalog is missing"))
            continue
        catalog, found = _read_catalog(po, shown, locales_dir, catalog_dir_name(lang))
        problems += found
        if catalog is None:
            continue
        present = {message.id for message in catalog if message.id}
        for missing in sorted(expected - present, key=lambda i: str(_forms(i)[0])):
            problems.append(
                Problem(shown, f"msgid {_forms(missing)[0]!r}", f"is in {DOMAIN}.pot but not in this catalog")
            )
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
            problems += _message_problems(shown, ids, strings, line)
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


def limit_problems(library: Library, cards: Iterable[Card] | None = None) -> list[Problem]:
    """Text that paging cannot fix: titles, and names offered as autocomplete choices (of `cards`, or all)."""
    problems = []
    for card in library.cards if cards is None else cards:
        shown = library.files.get(card.id, card.id)
        if len(card.id) > CHOICE_NAME:  # a choice's value is the id
            message = f"{len(card.id)} characters; an autocomplete choice value holds {CHOICE_NAME}"
            problems.append(Problem(shown, "id", message))
        for lang in LANGUAGES:
            title = library.title(card.id, lang)
            if len(title) > CHOICE_NAME:  # a story is offered by its title as an autocomplete choice
                message = f"{len(title)} characters in {lang}; an autocomplete choice holds {CHOICE_NAME}"
                problems.append(Problem(shown, f"title.{lang}", message))
            people = [library.glossary[person.ref] for person in card.people]
            terms = [library.glossary[term.ref] for term in card.terms]
            for group, entries in (("people", people), ("terms", terms)):
                for i, entry in enumerate(entries):
                    if len(name := entry.label(lang)) > CHOICE_NAME:
                        message = f"shown as {len(name)} characters in {lang}; a choice holds {CHOICE_NAME}"
                        problems.append(Problem(shown, f"{group}.{i}.ref", message))
    return problems
