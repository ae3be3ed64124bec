"""Languages read from a store, kept in memory: bounded, and forgotten on any change the store hears of."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable

from bot.core.language import Language

# (table, id): ("user_settings", a user's id), ("channel_settings", …), ("guild_settings", …)
Key = tuple[str, int]

# Every interaction reads a person's, a channel's and a server's language; a bot in many servers meets
# more people than it needs to keep, so the least recently read are let go (about 150 bytes each).
REMEMBERED = 100_000


class LanguageCache:
    """What the store last read for each key, kept only while it is sure to hear of every change.

    A read that started before a change was heard of must not be kept: it may hold the old value. So a
    read notes `generation` before asking the database and `keep` refuses it if anything changed since
    (`read` does both).
    """

    def __init__(self, size: int = REMEMBERED, enabled: bool = True) -> None:
        self._entries: OrderedDict[Key, Language | None] = OrderedDict()
        self._size = size
        self.enabled = enabled
        self.generation = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Key) -> tuple[bool, Language | None]:
        """Whether the key is remembered, and its language."""
        entries = self._entries
        if key not in entries:
            return False, None
        entries.move_to_end(key)
        return True, entries[key]

    async def read(self, key: Key, fetch: Callable[[], Awaitable[Language | None]]) -> Language | None:
        """The remembered language, else what `fetch` reads, kept unless a change was heard meanwhile."""
        found, language = self.get(key)
        if found:
            return language
        generation = self.generation
        language = await fetch()
        self.keep(key, language, generation)
        return language

    def keep(self, key: Key, language: Language | None, generation: int) -> None:
        """Remember what a read found, unless a change was heard of since it began."""
        if self.enabled and generation == self.generation:
            self._put(key, language)

    def changed(self, key: Key, language: Language | None) -> None:
        """A change this process made, the only writer (SQLite): remember the new value."""
        self.generation += 1
        if self.enabled:
            self._put(key, language)

    def forget(self, key: Key) -> None:
        """A key changed: read it again next time, and drop reads of anything begun before now."""
        self.generation += 1
        self._entries.pop(key, None)

    def forget_all(self, enabled: bool | None = None) -> None:
        """Everything may have changed (or changes may go unheard): start again, optionally on or off."""
        self.generation += 1
        self._entries.clear()
        if enabled is not None:
            self.enabled = enabled

    def _put(self, key: Key, language: Language | None) -> None:
        self._entries[key] = language
        self._entries.move_to_end(key)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
