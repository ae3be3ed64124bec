"""The one content loader: cards, glossary and catalogs read, validated as a whole, or every problem named."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import tomli
from pydantic import ValidationError

from bot.core.content.files import limit_for, read_text
from bot.core.content.glossary import Entry, Glossary
from bot.core.content.library import Library
from bot.core.content.model import Card
from bot.core.content.positions import field_lines, syntax_field, syntax_position
from bot.core.content.problems import Problem, shown_path
from bot.core.content.validate import (
    about_problems,
    card_problems,
    card_set_problems,
    catalog_problems,
    glossary_problems,
    limit_problems,
)
from bot.core.text import NO_REPLACEMENTS, REPLACEMENTS_FILE, Catalogs, Replacements

GLOSSARY_FILE = "glossary.toml"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Content:
    """Everything the bot serves: the cards with their glossary, and the interface strings."""

    library: Library
    catalogs: Catalogs


def _pydantic_problems(file: str, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        path = ".".join(str(part) for part in err["loc"]) or "(file)"
        message = err["msg"]
        if err["type"] == "missing":
            message = "is missing"
        elif err["type"] == "extra_forbidden":
            message = "is not a known field"
        problems.append(Problem(file, path, message))
    return problems


def _read_toml(
    path: Path, shown: str, folder: Path, sources: dict[str, str]
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse a TOML file read safely, keeping its text in `sources` so problems can be placed on its lines.

    Only a regular file (or a link to one inside `folder`) within the size limit is opened, and only
    valid UTF-8 is parsed; nesting too deep for the parser is a problem, not a crash.
    """
    text, problems = read_text(path, shown, folder)
    if text is None:
        return None, problems
    return _parse_toml(text, shown, sources)


def _parse_toml(
    text: str, shown: str, sources: dict[str, str]
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse a TOML file's text, keeping it in `sources` so problems can be placed on its lines."""
    sources[shown] = text
    try:
        # tomli is the parser the standard library's tomllib was taken from, in a compiled build: its
        # messages, and TOML 1.1 as tomllib reads it from Python 3.15, parsed about four times faster,
        # which a newsroom's first start and `check` feel.
        return tomli.loads(text), []
    except RecursionError:
        return None, [Problem(shown, "(syntax)", "is nested too deeply")]
    except tomli.TOMLDecodeError as exc:
        line, message = syntax_position(str(exc), text)
        field = syntax_field(text, line) if line is not None else None
        if field is None:
            return None, [Problem(shown, "(syntax)", message, line)]
        return None, [Problem(shown, field, f"TOML syntax: {message}", line)]


def with_lines(problems: list[Problem], sources: Mapping[str, str] = {}) -> list[Problem]:
    """The problems with the line of their field filled in, where the field is in a TOML file.

    `sources` holds the text each file had when it was checked; a file not in it is read again.
    """
    wanted: dict[str, list[str]] = {}
    for problem in problems:
        if problem.line is None and problem.file.endswith(".toml"):
            wanted.setdefault(problem.file, []).append(problem.field)
    lines: dict[str, dict[str, int]] = {}
    for file, fields in wanted.items():
        text = sources.get(file)
        if text is None:
            path = Path(file)
            try:
                # Read again only what the loader itself would read: no FIFO, nothing over the limit.
                if not path.is_file() or path.stat().st_size > limit_for(path):
                    continue
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
        lines[file] = field_lines(text, fields)
    return [
        replace(p, line=lines[p.file][p.field]) if p.field in lines.get(p.file, {}) else p for p in problems
    ]


def load_glossary(
    locales_dir: Path, sources: dict[str, str] | None = None
) -> tuple[Glossary | None, list[Problem]]:
    """Parse the glossary file, reporting each bad entry by its index; `sources` keeps its text."""
    path = locales_dir / GLOSSARY_FILE
    shown = shown_path(path)
    text, problems = read_text(path, shown, locales_dir)
    if text is None:
        return None, problems
    return _parse_glossary(text, shown, {} if sources is None else sources)


def _parse_glossary(text: str, shown: str, sources: dict[str, str]) -> tuple[Glossary | None, list[Problem]]:
    data, problems = _parse_toml(text, shown, sources)
    if data is None:
        return None, problems
    raw_entries = data.get("entry", [])
    if not isinstance(raw_entries, list):
        return None, [Problem(shown, "entry", "must be an array of tables ([[entry]])")]
    if not raw_entries:
        return None, [
            Problem(shown, "entry", "the glossary has no entries; every card needs at least its outlet")
        ]
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_entries):
        try:
            entry = Entry.model_validate(raw)
        except ValidationError as exc:
            problems += [
                Problem(p.file, f"entry.{i}.{p.field}", p.message) for p in _pydantic_problems(shown, exc)
            ]
            continue
        if entry.id in seen:
            problems.append(
                Problem(shown, f"entry.{i}.id", f"duplicate id {entry.id!r} (also entry.{seen[entry.id]})")
            )
            continue
        seen[entry.id] = i
        entries.append(entry)
    return Glossary(entries), problems


def load_replacements(
    locales_dir: Path, sources: dict[str, str] | None = None
) -> tuple[Replacements, list[Problem]]:
    """The Taiwan forms to apply after OpenCC; none when the file is absent."""
    path = locales_dir / REPLACEMENTS_FILE
    if not path.exists() and not path.is_symlink():
        return NO_REPLACEMENTS, []
    shown = shown_path(path)
    data, problems = _read_toml(path, shown, locales_dir, {} if sources is None else sources)
    if data is None:
        return NO_REPLACEMENTS, problems
    table = data.get("replace", {})
    if not isinstance(table, dict):
        return NO_REPLACEMENTS, [Problem(shown, "replace", 'must be a table of "form" = "Taiwan form"')]
    for key in set(data) - {"replace"}:
        problems.append(Problem(shown, key, "is not a known field"))
    pairs: dict[str, str] = {}
    for key, value in table.items():
        field = f"replace.{key}"
        if not isinstance(value, str):
            problems.append(Problem(shown, field, "must be a string"))
        elif not key or not value or key == value:
            problems.append(Problem(shown, field, "must replace a form with a different, non-empty one"))
        elif any(brace in key + value for brace in "{}"):
            problems.append(Problem(shown, field, "must not contain braces: references are not replaced"))
        else:
            pairs[key] = value
    return Replacements.from_table(pairs), problems


def load_card(path: Path, sources: dict[str, str] | None = None) -> tuple[Card | None, list[Problem]]:
    """Parse one card file (a regular file, or a link to one inside its folder); `sources` keeps its text."""
    shown = shown_path(path)
    text, problems = read_text(path, shown, path.parent)
    if text is None:
        return None, problems
    return _parse_card(text, shown, {} if sources is None else sources)


def _parse_card(text: str, shown: str, sources: dict[str, str]) -> tuple[Card | None, list[Problem]]:
    data, problems = _parse_toml(text, shown, sources)
    if data is None:
        return None, problems
    try:
        return Card.model_validate(data), []
    except ValidationError as exc:
        return None, _pydantic_problems(shown, exc)


def card_files(briefs_dir: Path) -> list[Path]:
    """The card files in a folder, in a stable order."""
    return sorted(briefs_dir.glob("*.toml"))


def digest(text: str) -> bytes:
    """What a file held when it was loaded: equal digests mean a file need not be parsed again."""
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def _unchanged(previous: Library | None, shown: str, text: str) -> bool:
    return previous is not None and previous.digests.get(shown) == digest(text)


def _glossary_again(
    locales_dir: Path, previous: Library | None, sources: dict[str, str], digests: dict[str, bytes]
) -> tuple[Glossary | None, bool, list[Problem]]:
    """The glossary, taken over from `previous` when its file is unchanged (and then True), or parsed."""
    path = locales_dir / GLOSSARY_FILE
    shown = shown_path(path)
    text, problems = read_text(path, shown, locales_dir)
    if text is None:
        return None, False, problems
    digests[shown] = digest(text)
    if previous is not None and _unchanged(previous, shown, text):
        return previous.glossary, True, []  # a good library's glossary: its checks passed and still hold
    glossary, problems = _parse_glossary(text, shown, sources)
    if glossary is not None:
        problems += glossary_problems(glossary, shown)
    return glossary, False, problems


def same_base(library: Library, locales_dir: Path) -> bool:
    """Whether the glossary and the Taiwan replacements hold the text `library` was loaded from."""
    for path in (locales_dir / GLOSSARY_FILE, locales_dir / REPLACEMENTS_FILE):
        shown = shown_path(path)
        text, _ = read_text(path, shown, locales_dir)
        if (None if text is None else digest(text)) != library.digests.get(shown):
            return False
    return True


def load_library(
    briefs_dir: Path, locales_dir: Path, previous: Library | None = None
) -> tuple[Library | None, list[Problem]]:
    """Cards and glossary, checked together; the library only when there is no problem at all.

    Given the library loaded before, a file whose text is unchanged is not parsed again: its card (and,
    while the glossary is unchanged too, its clean check) is taken over, so a reload costs what changed.
    """
    sources: dict[str, str] = {}
    digests: dict[str, bytes] = {}
    glossary, same_glossary, problems = _glossary_again(locales_dir, previous, sources, digests)
    if glossary is None:
        return None, with_lines(problems, sources)
    replacements, found = load_replacements(locales_dir, sources)
    problems += found
    replacements_shown = shown_path(locales_dir / REPLACEMENTS_FILE)
    if replacements_shown in sources:
        digests[replacements_shown] = digest(sources[replacements_shown])
    old_cards = {} if previous is None else {previous.files.get(c.id): c for c in previous.cards}
    cards: list[Card] = []
    files: dict[str, str] = {}
    paths = card_files(briefs_dir)
    if not briefs_dir.is_dir():
        problems.append(Problem(shown_path(briefs_dir), "(folder)", "does not exist"))
    elif not paths:
        problems.append(Problem(shown_path(briefs_dir), "(folder)", "has no .toml card files"))
    for path in paths:
        shown = shown_path(path)
        text, found = read_text(path, shown, path.parent)
        problems += found
        if text is None:
            continue
        card: Card | None = old_cards.get(shown) if _unchanged(previous, shown, text) else None
        checked = card is not None and same_glossary
        if card is None:
            card, found = _parse_card(text, shown, sources)
            problems += found
            if card is None:
                continue
        if card.id in files:
            problems.append(Problem(shown, "id", f"duplicate card id {card.id!r} (also in {files[card.id]})"))
            continue
        if not checked:
            problems += card_problems(card, shown, glossary)
        digests[shown] = digest(text)
        files[card.id] = shown
        cards.append(card)
    problems += card_set_problems(cards, files)
    problems += about_problems(cards, files)
    if problems:
        return None, with_lines(problems, sources)
    return Library(glossary, cards, files, replacements, digests=digests), []


def load(briefs_dir: Path, locales_dir: Path, previous: Library | None = None) -> Content | list[Problem]:
    """Read and validate everything the bot serves; on any problem, the full list of them instead.

    Start-up, reload, the remote pack and the command line all load through here, so an update is
    accepted by the running bot exactly when `python -m bot check` would accept it (less rendering
    every reply, which `bot.core.audit` adds). Given the library served until now, what is unchanged
    in it is taken over rather than built again (see `load_library`).
    """
    try:
        library, problems = load_library(briefs_dir, locales_dir, previous)
        problems += catalog_problems(locales_dir)
        if library is None or problems:
            return problems
        fresh = library.prepare(previous)
        if problems := limit_problems(library, fresh):
            return with_lines(problems)
        return Content(library, Catalogs.load(locales_dir))
    except Exception as exc:
        # Every known way content can be wrong is a named problem above; this is a bug, so keep its trace.
        log.exception("loading %s and %s failed unexpectedly", briefs_dir, locales_dir)
        return [
            Problem(shown_path(briefs_dir), "(load)", f"could not be loaded: {type(exc).__name__}: {exc}")
        ]
