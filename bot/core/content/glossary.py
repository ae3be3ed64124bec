"""The glossary: each name and term in every script, and finding one from whatever a reader types."""

from __future__ import annotations

import bisect
import heapq
import os
import re
import unicodedata
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from bot.core.content.compact import Compact
from bot.core.language import Language, in_brackets

Kind = Literal["person", "organisation", "product", "term", "topic"]
Confidence = Literal["confirmed", "likely", "unresolved"]
ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_LAST = chr(0x10FFFF)
# A prefix matching more index rows than this has its first entries kept (at most _KEEP of each rank):
# a few dozen rows scan in tens of microseconds, a single letter's thousands in a millisecond. _KEEP
# leaves room for an id filter: people named in some card may be half a newsroom's glossary.
_SCAN = 64
_KEEP = 256
_NOT_ALNUM = re.compile(r"[\W_]+")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ALL_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD_BREAK = re.compile(r"[^\w]+")


class Entry(Compact):
    """One person, organisation, product, term or topic, with its checked form in each script."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=ID_PATTERN)
    kind: Kind
    en: str = Field(min_length=1)
    zh_hans: str | None = Field(default=None, alias="zh-Hans", min_length=1)
    zh_hant: str | None = Field(default=None, alias="zh-Hant", min_length=1)
    pinyin: str | None = None
    aliases: tuple[str, ...] = ()
    confidence: Confidence
    source: str = Field(min_length=1)

    @field_validator("aliases")
    @classmethod
    def _no_blank_alias(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not alias.strip() for alias in value):
            raise ValueError("an alias is blank")
        return value

    def display(self, language: Language) -> str:
        """The form shown to a reader; an unverified Chinese form falls back to English."""
        if self.confidence == "unresolved" or language == "en":
            return self.en
        form = self.zh_hans if language == "zh-Hans" else self.zh_hant
        return form or self.en

    def label(self, language: Language) -> str:
        """The name as shown, with the other script beside it where that helps a bilingual reader."""
        shown = self.display(language)
        other = self.display("zh-Hans" if language == "en" else "en")
        return shown if other == shown else shown + in_brackets(other, language)

    def han(self) -> set[str]:
        """The Han characters of every form."""
        return {c for form in self.search_forms() for c in HAN.findall(form)}

    def search_forms(self) -> list[str]:
        """Every string a reader might type for this entry, shown or not."""
        forms = [self.id, self.en, *(self.aliases)]
        forms += [f for f in (self.zh_hans, self.zh_hant, self.pinyin) if f]
        return forms


def fold(text: str) -> str:
    """Reduce a search string to a comparable key: no case, tone marks, spaces or punctuation."""
    # In a str pattern `[^\W_]` is exactly `str.isalnum`, and no combining mark is alphanumeric: tone
    # marks split off by NFKD go with the spaces and punctuation, in one pass of the regex engine.
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKD", text.casefold()))


@cache
def _pinyin() -> Callable[[str], list[str]]:
    """pypinyin, imported on first need: a library loaded from a content cache may never need it."""
    # Names are romanised a character at a time and entries carry their checked pinyin, so pypinyin's
    # phrase dictionary (about 45 MB in memory) would buy nothing here. Read when pypinyin is imported.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
    from pypinyin import lazy_pinyin  # noqa: PLC0415

    return lazy_pinyin


@cache
def _syllable(character: str) -> str:
    """One Han character's toneless syllable; a newsroom's names share a few thousand characters."""
    return fold(_pinyin()(character)[0])


def _syllables(text: str) -> list[str]:
    """Toneless pinyin syllables of the Han characters in a string (pypinyin, not a hand-made table)."""
    if not HAN.search(text):
        return []
    if _ALL_HAN.fullmatch(text):
        # Without phrases pypinyin reads each character alone, so a name of Han characters only is
        # the readings of its characters; asking pypinyin once per name cost a second per 10,000.
        return [s for s in map(_syllable, text) if s]
    return [s for s in (fold(part) for part in _pinyin()(text)) if s]


def romanise(text: str) -> str:
    """Toneless pinyin of any Han characters in a string, so 林俊阳 finds Lin Junyang too."""
    return "".join(_syllables(text))


def _inner_starts(form: str, key: str) -> list[str]:
    """Keys for a form's later words and later Han characters, so "junyang" finds "Lin Junyang"."""
    # `key` is the form folded, which the caller has already made.
    words = [w for w in _WORD_BREAK.split(form) if w]
    keys = [fold("".join(words[i:])) for i in range(1, len(words))]
    # Most forms are Latin: one search rules out their every character (building a newsroom's index
    # matched a quarter of a million characters one by one).
    if HAN.search(key, 1):
        keys += [key[i:] for i in range(1, len(key)) if HAN.match(key[i])]
    return [k for k in keys if k]


def _as_set(among: Iterable[str] | None) -> Collection[str] | None:
    """Membership for an id filter, without copying one that already has it."""
    if among is None or isinstance(among, (set, frozenset, dict)):
        return among
    return set(among)


class _Index:
    """Sorted search keys, so exact and prefix look-ups cost a binary search, not a scan.

    Held as a list of keys beside an array of owners (an entry's number, doubled, plus 1 for a later
    word of a form): a glossary of 10,000 names has some 100,000 keys, and a tuple for each would
    cost ten megabytes and a tenth of a second more to read back from the content cache.
    """

    def __init__(self, rows: Iterable[tuple[str, int, str]], ids: list[str], places: Sequence[int]) -> None:
        # rows: (key, 0 for a whole form or 1 for a later word of it, entry id); places: each entry's
        # place in the order choices are listed in, by entry number.
        number = {entry_id: i for i, entry_id in enumerate(ids)}
        ordered = sorted(set(rows))
        self.ids = ids
        self.keys = [key for key, _, _ in ordered]
        self.owners = array("I", [number[entry_id] * 2 + inner for _, inner, entry_id in ordered])
        self.best, self.listed = self._best_by_prefix(places)

    def _best_by_prefix(self, places: Sequence[int]) -> tuple[dict[str, tuple[int, int, int]], array[int]]:
        """The first entries in listing order of each prefix of more than `_SCAN` rows.

        Whole forms, then later words, so a keystroke of a letter or two walks a few dozen entries, not
        thousands. The entries of all prefixes sit in one array, found by (start, middle, end): one object
        to read back from the content cache, not two per prefix.
        """
        keys, owners = self.keys, self.owners
        best: dict[str, tuple[int, int, int]] = {}
        listed = array("I")
        pending = [("", 0, len(keys))]
        while pending:
            prefix, start, stop = pending.pop()
            at = start
            while at < stop:
                if len(keys[at]) == len(prefix):  # the prefix itself sorts first and has no longer prefix
                    at += 1
                    continue
                longer = keys[at][: len(prefix) + 1]
                end = bisect.bisect_left(keys, longer + _LAST, at, stop)
                if end - at > _SCAN:
                    whole = {owner >> 1 for owner in owners[at:end] if not owner & 1}
                    inner = {owner >> 1 for owner in owners[at:end] if owner & 1} - whole
                    first = len(listed)
                    listed.extend(heapq.nsmallest(_KEEP, whole, key=places.__getitem__))
                    middle = len(listed)
                    listed.extend(heapq.nsmallest(_KEEP, inner, key=places.__getitem__))
                    best[longer] = (first, middle, len(listed))
                    pending.append((longer, at, end))
                at = end
        return best, listed

    def _rows(self, start: int, stop: int) -> Iterator[tuple[str, int, str]]:
        ids = self.ids
        for key, owner in zip(self.keys[start:stop], self.owners[start:stop], strict=True):
            yield key, owner & 1, ids[owner >> 1]

    def rows(self) -> Iterator[tuple[str, int, str]]:
        """Every (key, inner, entry id), in key order."""
        return self._rows(0, len(self.keys))

    def starting(self, probe: str) -> Iterator[tuple[str, int, str]]:
        """Rows whose key starts with the probe, in key order."""
        return self._rows(*self._bounds(probe))

    def _bounds(self, probe: str) -> tuple[int, int]:
        # Folded keys hold only letters and digits, so every key that starts with the probe sorts
        # before the probe followed by the last code point: two binary searches bound the rows.
        keys = self.keys
        return bisect.bisect_left(keys, probe), bisect.bisect_left(keys, probe + _LAST)

    def rank_into(
        self, probe: str, allowed: Collection[str] | None, ranked: dict[str, int], limit: int
    ) -> None:
        """Keep each entry's best rank for the probe: 0 equal, 1 a form starts with it, 2 a later word.

        Every entry that could be among the `limit` best is kept; others may be too.
        """
        start, stop = self._bounds(probe)
        if (kept := self.best.get(probe)) is not None and self._rank_best(
            kept, probe, start, stop, allowed, ranked, limit
        ):
            return
        # The hot loop of every autocomplete keystroke: plain indexing, no tuple per row.
        keys, owners, ids = self.keys, self.owners, self.ids
        for at in range(start, stop):
            owner = owners[at]
            entry_id = ids[owner >> 1]
            if allowed is not None and entry_id not in allowed:
                continue
            inner = owner & 1
            rank = 0 if not inner and keys[at] == probe else 1 + inner
            if rank < ranked.get(entry_id, 3):
                ranked[entry_id] = rank

    def _rank_best(
        self,
        kept: tuple[int, int, int],
        probe: str,
        start: int,
        stop: int,
        allowed: Collection[str] | None,
        ranked: dict[str, int],
        limit: int,
    ) -> bool:
        """Rank from a prefix's kept entries; False when the id filter leaves too few of them to be sure."""
        keys, owners, ids = self.keys, self.owners, self.ids
        found: dict[str, int] = {}
        at = start
        # Rows sort by key, then whole forms before later words: the exact matches (rank 0) come first,
        # and the later words equal to the probe ("yu" ends hundreds of names) are never walked.
        while at < stop and keys[at] == probe and not owners[at] & 1:
            entry_id = ids[owners[at] >> 1]
            if allowed is None or entry_id in allowed:
                found[entry_id] = 0
            at += 1
        # Whole forms (rank 1) in listing order, then later words (rank 2) only if those run short:
        # the first `limit` of these are this index's best. A list cut at _KEEP that runs out first
        # cannot say which entries come next, and the caller scans instead.
        first, middle, end = kept
        listed = self.listed
        for rank, numbers in ((1, listed[first:middle]), (2, listed[middle:end])):
            for number in numbers:
                if len(found) >= limit:
                    break
                entry_id = ids[number]
                if entry_id not in found and (allowed is None or entry_id in allowed):
                    found[entry_id] = rank
            if len(found) >= limit:
                break
            if len(numbers) == _KEEP:
                return False
        for entry_id, rank in found.items():
            if rank < ranked.get(entry_id, 3):
                ranked[entry_id] = rank
        return True


@dataclass(frozen=True)
class Match:
    """The result of a search: one entry, or none with suggestions."""

    entry: Entry | None
    suggestions: tuple[Entry, ...] = ()


class Glossary:
    """The glossary's entries and an index over every form of each."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries: dict[str, Entry] = {}
        for entry in entries:
            self.entries.setdefault(entry.id, entry)
        # Pinyin keys are kept apart from the written forms: they only decide when the
        # characters themselves do not, since homophones are common.
        keys: list[tuple[str, int, str]] = []
        sounds: list[tuple[str, int, str]] = []
        for entry in self.entries.values():
            for form in entry.search_forms():
                if key := fold(form):
                    keys.append((key, 0, entry.id))
                    keys += [(inner, 1, entry.id) for inner in _inner_starts(form, key)]
                if syllables := _syllables(form):
                    sounds += [("".join(syllables[i:]), min(i, 1), entry.id) for i in range(len(syllables))]
        # The reading of every Han character in a form, kept with the glossary (and its content cache):
        # a reader's first Chinese keystroke after a start then needs no pypinyin (some 25 ms to load).
        self.readings = {c: _syllable(c) for c in sorted({c for e in self.entries.values() for c in e.han()})}
        ids = list(self.entries)
        places = [self.alphabetical[entry_id] for entry_id in ids]
        self._keys = _Index(keys, ids, places)
        self._sounds = _Index(sounds, ids, places)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.entries

    def __getitem__(self, entry_id: str) -> Entry:
        return self.entries[entry_id]

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, query: str, among: Iterable[str] | None = None) -> Match:
        """Find one entry by any form, exactly or by a unique prefix, optionally among some ids."""
        allowed = _as_set(among)
        key = fold(query)
        if not key:
            return Match(None)
        for index, probe in ((self._keys, key), (self._sounds, self.romanise(query) or key)):
            exact: list[str] = []
            prefix: list[str] = []
            for form, inner, entry_id in index.starting(probe):
                if inner or (allowed is not None and entry_id not in allowed):
                    continue
                found = exact if form == probe else prefix
                if entry_id not in found:
                    found.append(entry_id)
            hits = exact or prefix
            if len(hits) == 1:
                return Match(self.entries[hits[0]])
            if len(hits) > 1:
                return Match(None, tuple(self.entries[i] for i in hits[:3]))
        return Match(None, tuple(self.suggest(query, allowed)))

    def matches(self, query: str, among: Iterable[str] | None = None, limit: int = 25) -> list[Entry]:
        """Entries with a form, or a later word of one, starting with the query; best first."""
        allowed = _as_set(among)
        key = fold(query)
        ranked: dict[str, int] = {}
        for index, probe in ((self._keys, key), (self._sounds, self.romanise(query) or key)):
            index.rank_into(probe, allowed, ranked, limit)
        alphabetical = self.alphabetical
        best = heapq.nsmallest(limit, ranked, key=lambda i: (ranked[i], alphabetical[i]))
        return [self.entries[i] for i in best]

    @cached_property
    def alphabetical(self) -> dict[str, int]:
        """Each entry id's place in English alphabetical order, so ranking compares numbers, not names."""
        ordered = sorted(self.entries.values(), key=lambda e: (e.en.casefold(), e.id))
        return {entry.id: place for place, entry in enumerate(ordered)}

    def romanise(self, text: str) -> str:
        """Toneless pinyin of a query's Han characters, read from the glossary's own readings when it can."""
        readings = self.readings
        if _ALL_HAN.fullmatch(text) and all(c in readings for c in text):
            return "".join(readings[c] for c in text)
        return romanise(text)

    def suggest(self, query: str, allowed: Collection[str] | None = None, limit: int = 3) -> list[Entry]:
        """The closest entries to a query that matched nothing."""
        import difflib  # noqa: PLC0415 - only a miss needs it

        forms: dict[str, str] = {}
        for index in (self._keys, self._sounds):
            for form, inner, entry_id in index.rows():
                if not inner and (allowed is None or entry_id in allowed):
                    forms.setdefault(form, entry_id)
        probes = [fold(query)] + ([sound] if (sound := self.romanise(query)) else [])
        found: list[str] = []
        for probe in probes:
            for form in difflib.get_close_matches(probe, list(forms), n=limit * 3, cutoff=0.6):
                if forms[form] not in found:
                    found.append(forms[form])
        return [self.entries[i] for i in found[:limit]]
