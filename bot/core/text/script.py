"""Simplified to Traditional Chinese (Taiwan phrasing) with OpenCC and a table of Taiwan forms after it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

from bot.core.child import NoChild, in_child

REPLACEMENTS_FILE = "zh_Hant/replacements.toml"


@dataclass(frozen=True)
class Replacements:
    """Forms OpenCC leaves mainland, each with the form Taiwan writes (`locales/zh_Hant/replacements.toml`).

    Applied to converted text only, before glossary references are filled in, so names are never touched.
    """

    pairs: tuple[tuple[str, str], ...] = ()
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.pairs:
            # Longest first, so 一條帖子 wins over the 帖子 in it; one pass, so nothing is replaced twice.
            keys = sorted((key for key, _ in self.pairs), key=len, reverse=True)
            object.__setattr__(self, "_pattern", re.compile("|".join(map(re.escape, keys))))

    @classmethod
    def from_table(cls, table: Mapping[str, str]) -> Replacements:
        """The replacements of a `[replace]` table, in its order."""
        return cls(tuple(table.items()))

    def apply(self, text: str) -> str:
        """The text with every listed form replaced."""
        if self._pattern is None:
            return text
        found = dict(self.pairs)
        return self._pattern.sub(lambda m: found[m.group(0)], text)


NO_REPLACEMENTS = Replacements()


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


_converted: dict[str, str] = {}


@cache
def _converter() -> _Converter:
    import opencc  # noqa: PLC0415 - the converter loads its dictionaries; only pay for it when needed

    converter: _Converter = opencc.OpenCC("s2twp")
    return converter


def _convert_batch(texts: list[str]) -> list[str]:
    converter = _converter()
    return [converter.convert(text) for text in texts]


def prepare_traditional(texts: Iterable[str]) -> None:
    """Convert many texts at once in a short-lived child process and remember the results.

    OpenCC's dictionaries take about 45 MB; loading them in a child that exits keeps that out of a
    bot that runs for months. Forked, so the child starts at once with the parent's modules.
    """
    todo = sorted({t for t in texts if t not in _converted})
    if not todo:
        return
    try:
        results = in_child(_convert_batch, 120, todo)
    except NoChild:
        results = _convert_batch(todo)  # no child process to be had: convert here instead
    _converted.update(zip(todo, results, strict=True))


def to_traditional(text: str, replacements: Replacements = NO_REPLACEMENTS) -> str:
    """Convert Simplified Chinese prose to Traditional with Taiwan phrasing (OpenCC s2twp), then replace."""
    if text not in _converted:
        _converted[text] = _convert_batch([text])[0]
    return replacements.apply(_converted[text])
