"""Building content in a short-lived child process, so its time and memory peak are not the bot's.

Parsing a newsroom's files, romanising its glossary and checking it all takes seconds of Python and a
hundred megabytes at its peak; in a worker thread it would hold the GIL in long stretches while every
interaction waits. A forked child does it with the bot's modules already imported and hands back the
library pickled; reading that back is what the bot pays.
"""

from __future__ import annotations

import io
import logging
import pickle
from pathlib import Path
from typing import cast

from bot.core.child import NoChild, in_child
from bot.core.content.compact import sharing
from bot.core.content.library import Library
from bot.core.content.load import Content, load
from bot.core.content.model import Card
from bot.core.content.problems import Problem
from bot.core.text import Catalogs

log = logging.getLogger(__name__)

# The library served until now, set just before the fork: the child reads it from its copy of our
# memory instead of having it pickled across.
_previous: Library | None = None


class _Pickler(pickle.Pickler):
    """Writes a card taken over from the library being served as its id: the bot has that card."""

    def __init__(self, file: io.BytesIO, kept: set[int]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.kept = kept

    def persistent_id(self, obj: object) -> str | None:
        """A card's id when the bot already holds that very card, else None (pickled as usual)."""
        return obj.id if isinstance(obj, Card) and id(obj) in self.kept else None


class _Unpickler(pickle.Unpickler):
    """Reads a card written as its id back as the bot's own card, shared with the library it served."""

    def __init__(self, file: io.BytesIO, cards: dict[str, Card]) -> None:
        super().__init__(file)
        self.cards = cards

    def persistent_load(self, pid: object) -> Card:
        """The served card of that id."""
        if not isinstance(pid, str) or pid not in self.cards:
            raise pickle.UnpicklingError(f"no served card {pid!r}")
        return self.cards[pid]


def _build(briefs_dir: Path, locales_dir: Path, keep: bool) -> bytes:
    loaded = load(briefs_dir, locales_dir, _previous)
    if not isinstance(loaded, Content):
        return pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL)
    if not keep:
        return pickle.dumps([], protocol=pickle.HIGHEST_PROTOCOL)
    # The cards this child took over are the very objects the bot holds (a fork shares its memory):
    # they go back as ids, so the bot reads back only what is new and keeps sharing the rest.
    kept = {id(card) for card in _previous.cards} if _previous is not None else set()
    out = io.BytesIO()
    with sharing():
        _Pickler(out, kept).dump(loaded.library)
    return out.getvalue()


def _in_child(briefs_dir: Path, locales_dir: Path, previous: Library | None, keep: bool) -> object:
    """What `_build` returns, read back; `load`'s own result when no child process is to be had."""
    global _previous  # noqa: PLW0603 - read by the forked child only
    _previous = previous
    try:
        data = in_child(_build, 600, briefs_dir, locales_dir, keep)
    except NoChild as exc:
        log.warning("content could not be built in a child process (%s); building it here", exc)
        return load(briefs_dir, locales_dir, previous)
    finally:
        _previous = None
    # Our own child's bytes, made just now from the same code.
    return data


def load_elsewhere(
    briefs_dir: Path, locales_dir: Path, previous: Library | None = None
) -> tuple[Content | list[Problem], bytes | None]:
    """What `load` returns, built in a child process; with a library, its pickle for the content cache.

    Given the library being served, what is unchanged in it is taken over and shared, not copied (and
    there is no pickle to cache: it names cards only this process holds). Without a child process to be
    had, the content is loaded here instead.
    """
    data = _in_child(briefs_dir, locales_dir, previous, keep=True)
    if not isinstance(data, bytes):
        return cast(Content | list[Problem], data), None
    cards = {card.id: card for card in previous.cards} if previous is not None else {}
    result = _Unpickler(io.BytesIO(data), cards).load()
    if isinstance(result, Library):
        return Content(result, Catalogs.load(locales_dir)), data if previous is None else None
    problems: list[Problem] = result
    return problems, None


def check_elsewhere(briefs_dir: Path, locales_dir: Path) -> list[Problem]:
    """Every problem `load` finds, found in a child process: nothing of the content is read back."""
    data = _in_child(briefs_dir, locales_dir, None, keep=False)
    if not isinstance(data, bytes):
        return [] if isinstance(data, Content) else cast(list[Problem], data)
    problems: list[Problem] = pickle.loads(data)
    return problems
