"""Per-server settings that last: a small store interface and its SQLite implementation."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import urlparse

from bot.i18n import LANGUAGES
from bot.settings import Language

T = TypeVar("T")

# Each step moves the schema one version forward; a database records how far it has come.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE guild_settings (
        guild_id INTEGER PRIMARY KEY,
        language TEXT,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
)


class Store(Protocol):
    """What the bot keeps between runs; a second backend implements the same methods."""

    async def guild_language(self, guild_id: int) -> Language | None:
        """The language a server chose, if it chose one."""
        ...

    async def set_guild_language(self, guild_id: int, language: Language | None) -> None:
        """Choose a server's language, or clear the choice with None."""
        ...

    async def get_meta(self, key: str) -> str | None:
        """A bookkeeping value, such as the hash of the last command sync."""
        ...

    async def set_meta(self, key: str, value: str) -> None:
        """Record a bookkeeping value."""
        ...

    async def close(self) -> None:
        """Release the backend."""
        ...


def sqlite_path(database_url: str) -> Path | str:
    """The file named by `sqlite:///relative/path`, `sqlite:////abs/path` or `sqlite://:memory:`."""
    parsed = urlparse(database_url)
    if parsed.scheme != "sqlite":
        raise ValueError(f"DATABASE_URL must start with sqlite:// (got {parsed.scheme or 'no'} scheme)")
    if parsed.netloc == ":memory:" or parsed.path in ("/:memory:", ""):
        return ":memory:"
    return Path(parsed.path[1:]) if parsed.path.startswith("/") else Path(parsed.path)


class SQLiteStore:
    """The embedded default: one SQLite file, one connection used from a worker thread under a lock."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._lock = threading.Lock()
        # Read on every command, written rarely and only through this object: answer reads from memory.
        self._languages: dict[int, Language | None] = {}

    @classmethod
    async def open(cls, database_url: str) -> SQLiteStore:
        """Open (creating if needed) the database and bring its schema up to date."""
        path = sqlite_path(database_url)
        if isinstance(path, Path):
            path.parent.mkdir(parents=True, exist_ok=True)

        def connect() -> sqlite3.Connection:
            db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # a setting the user saw confirmed must survive a crash
            return db

        store = cls(await asyncio.to_thread(connect))
        await store._run(store._migrate)
        return store

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, script.split(";")):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    async def _run(self, work: Callable[[], T]) -> T:
        def locked() -> T:
            with self._lock:
                return work()

        return await asyncio.to_thread(locked)

    async def schema_version(self) -> int:
        """How many migrations this database has run."""
        return await self._run(lambda: self._db.execute("PRAGMA user_version").fetchone()[0])

    async def guild_language(self, guild_id: int) -> Language | None:
        """The language a server chose, if it chose one."""
        if guild_id in self._languages:
            return self._languages[guild_id]
        row = await self._run(
            lambda: self._db.execute(
                "SELECT language FROM guild_settings WHERE guild_id = ?", (guild_id,)
            ).fetchone()
        )
        value = row[0] if row else None
        language: Language | None = value if value in LANGUAGES else None
        self._languages[guild_id] = language
        return language

    async def set_guild_language(self, guild_id: int, language: Language | None) -> None:
        """Choose a server's language, or clear the choice with None."""
        await self._run(
            lambda: self._db.execute(
                "INSERT INTO guild_settings (guild_id, language) VALUES (?, ?) "
                "ON CONFLICT(guild_id) DO UPDATE SET language = excluded.language, "
                "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                (guild_id, language),
            )
        )
        self._languages[guild_id] = language

    async def get_meta(self, key: str) -> str | None:
        """A bookkeeping value, such as the hash of the last command sync."""
        row = await self._run(
            lambda: self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        )
        return row[0] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        """Record a bookkeeping value."""
        await self._run(
            lambda: self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        )

    async def close(self) -> None:
        """Close the connection."""
        await self._run(self._db.close)
