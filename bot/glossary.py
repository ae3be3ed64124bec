"""The glossary: each name and term in every script, and finding one from whatever a reader types."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pypinyin import lazy_pinyin

from bot.settings import Language

Kind = Literal["person", "organisation", "product", "term"]
Confidence = Literal["confirmed", "likely", "unresolved"]
ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class Entry(BaseModel):
    """One person, organisation, product or term, with its checked form in each script."""

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

    def search_forms(self) -> list[str]:
        """Every string a reader might type for this entry, shown or not."""
        forms = [self.id, self.en, *(self.aliases)]
        forms += [f for f in (self.zh_hans, self.zh_hant, self.pinyin) if f]
        return forms


def fold(text: str) -> str:
    """Reduce a search string to a comparable key: no case, tone marks, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = (c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in kept if c.isalnum())


def romanise(text: str) -> str:
    """Toneless pinyin of any Han characters in a string, so 林俊阳 finds Lin Junyang too."""
    if not HAN.search(text):
        return ""
    return fold("".join(lazy_pinyin(text)))


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
        # (folded form, entry id) for every form, and pinyin keys kept apart: they only
        # decide when the characters themselves do not, since homophones are common.
        self._keys: list[tuple[str, str]] = []
        self._sounds: list[tuple[str, str]] = []
        for entry in self.entries.values():
            for form in entry.search_forms():
                if key := fold(form):
                    self._keys.append((key, entry.id))
                if sound := romanise(form):
                    self._sounds.append((sound, entry.id))

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.entries

    def __getitem__(self, entry_id: str) -> Entry:
        return self.entries[entry_id]

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, query: str, among: Iterable[str] | None = None) -> Match:
        """Find one entry by any form, exactly or by a unique prefix, optionally among some ids."""
        allowed = set(among) if among is not None else None
        key = fold(query)
        if not key:
            return Match(None)
        for index, probe in ((self._keys, key), (self._sounds, romanise(query) or key)):
            hits = self._hits(index, probe, allowed)
            if len(hits) == 1:
                return Match(self.entries[hits[0]])
            if len(hits) > 1:
                return Match(None, tuple(self.entries[i] for i in hits[:3]))
        return Match(None, tuple(self.suggest(query, allowed)))

    def matches(self, query: str, among: Iterable[str] | None = None, limit: int = 25) -> list[Entry]:
        """Entries whose forms start with or contain the query, best first, for autocomplete."""
        allowed = set(among) if among is not None else None
        key = fold(query)
        sound = romanise(query) or key
        ranked: dict[str, int] = {}
        for index, probe in ((self._keys, key), (self._sounds, sound)):
            for form, entry_id in index:
                if allowed is not None and entry_id not in allowed:
                    continue
                rank = 0 if form == probe else 1 if form.startswith(probe) else 2 if probe in form else None
                if rank is not None:
                    ranked[entry_id] = min(rank, ranked.get(entry_id, rank))
        order = sorted(ranked, key=lambda i: (ranked[i], self.entries[i].en.casefold()))
        return [self.entries[i] for i in order[:limit]]

    def suggest(self, query: str, allowed: set[str] | None = None, limit: int = 3) -> list[Entry]:
        """The closest entries to a query that matched nothing."""
        key = fold(query)
        forms: dict[str, str] = {}
        for index in (self._keys, self._sounds):
            for form, entry_id in index:
                if allowed is None or entry_id in allowed:
                    forms.setdefault(form, entry_id)
        probes = [key] + ([sound] if (sound := romanise(query)) else [])
        found: list[str] = []
        for probe in probes:
            for form in difflib.get_close_matches(probe, list(forms), n=limit * 3, cutoff=0.6):
                if forms[form] not in found:
                    found.append(forms[form])
        return [self.entries[i] for i in found[:limit]]

    @staticmethod
    def _hits(index: list[tuple[str, str]], probe: str, allowed: set[str] | None) -> list[str]:
        """Ids whose form equals the probe, else ids whose form starts with it."""
        exact: list[str] = []
        prefix: list[str] = []
        for form, entry_id in index:
            if allowed is not None and entry_id not in allowed:
                continue
            if form == probe and entry_id not in exact:
                exact.append(entry_id)
            elif form.startswith(probe) and entry_id not in prefix:
                prefix.append(entry_id)
        return exact or prefix
