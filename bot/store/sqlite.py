"""The embedded store: one SQLite file, one connection used from a worker thread under a lock."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

from bot.core.language import LANGUAGES, Language
from bot.store.base import Claim, DigestRow, LedgerState, PauseReason, SchemaTooNew, StoreUnavailable
from bot.store.migrations import MIGRATIONS

T = TypeVar("T")


def sqlite_path(database_url: str) -> Path | str:
    """The file named by `sqlite:///relative/path`, `sqlite:////abs/path` or `sqlite://:memory:`."""
    parsed = urlparse(database_url)
    if parsed.scheme != "sqlite":
        raise ValueError(f"DATABASE_URL must start with sqlite:// (got {parsed.scheme or 'no'} scheme)")
    if parsed.netloc == ":memory:" or parsed.path == "/:memory:":
        return ":memory:"
    if parsed.netloc or parsed.path in ("", "/"):
        # sqlite://briefing.db names no file: SQLite would quietly keep everything in memory.
        raise ValueError("DATABASE_URL must be sqlite:///relative/path or sqlite:////absolute/path")
    return Path(parsed.path[1:]) if parsed.path.startswith("/") else Path(parsed.path)


class SQLiteStore:
    """The embedded default: one SQLite file, one connection used from a worker thread under a lock."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None = None) -> None:
        self._db = connection
        self._lock = threading.Lock()
        self._path = path
        # Which file was opened: a file deleted or replaced under a running bot is noticed by comparing.
        self._identity = _identity(path) if path is not None else None
        # Read on every command, written rarely and only through this object: answer reads from memory.
        self._languages: dict[int, Language | None] = {}

    @classmethod
    async def open(cls, database_url: str, busy_timeout: float = 10.0) -> SQLiteStore:
        """Open (creating if needed) the database and bring its schema up to date.

        `busy_timeout` is how long one statement waits for another process's lock before failing with
        StoreUnavailable; the caller tries again later rather than waiting on.
        """
        path = sqlite_path(database_url)
        if isinstance(path, Path):
            path.parent.mkdir(parents=True, exist_ok=True)

        def connect() -> sqlite3.Connection:
            db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=busy_timeout)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # a setting the user saw confirmed must survive a crash
            return db

        store = cls(await asyncio.to_thread(connect), path if isinstance(path, Path) else None)
        try:
            await store._run(store._migrate)
        except BaseException:
            await store.close()
            raise
        return store

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise SchemaTooNew(
                f"the database is at schema version {version}, newer than this code knows "
                f"({len(MIGRATIONS)}): run the newer version of the bot that wrote it, or restore a backup"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, script.split(";")):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number}")
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    async def _run(self, work: Callable[[], T]) -> T:
        def locked() -> T:
            with self._lock:
                try:
                    return work()
                except sqlite3.OperationalError as exc:  # locked, busy, disk I/O, file gone
                    raise StoreUnavailable(str(exc)) from exc

        return await asyncio.to_thread(locked)

    async def problem(self) -> str | None:
        """Whether the database file this store opened is still the one at its path."""
        if self._path is None or self._identity is None:
            return None
        now = await asyncio.to_thread(_identity, self._path)
        if now is None:
            return (
                f"the database file {self._path} was deleted while the bot runs; what it writes now is lost"
            )
        if now != self._identity:
            return (
                f"the database file {self._path} was replaced while the bot runs; restart to use the new one"
            )
        return None

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

    # --- daily digest ------------------------------------------------------------------------------

    async def set_digest(
        self, guild_id: int, channel_id: int, at: str, zone: str, next_due: dt.datetime
    ) -> None:
        """Set (or move) a server's digest; setting it again resumes a paused one."""
        await self._run(
            lambda: self._db.execute(
                "INSERT INTO digest (guild_id, channel_id, at, zone, next_due, paused) "
                "VALUES (?, ?, ?, ?, ?, NULL) "
                "ON CONFLICT(guild_id) DO UPDATE SET channel_id = excluded.channel_id, at = excluded.at, "
                "zone = excluded.zone, next_due = excluded.next_due, paused = NULL",
                (guild_id, channel_id, at, zone, _iso(next_due)),
            )
        )

    async def digest_off(self, guild_id: int) -> bool:
        """Stop a server's digest; what it was sent stays recorded."""
        cursor = await self._run(
            lambda: self._db.execute("DELETE FROM digest WHERE guild_id = ?", (guild_id,))
        )
        return cursor.rowcount > 0

    async def digest(self, guild_id: int) -> DigestRow | None:
        """A server's digest settings."""
        row = await self._run(
            lambda: self._db.execute(
                f"SELECT {_DIGEST_COLUMNS} FROM digest WHERE guild_id = ?", (guild_id,)
            ).fetchone()
        )
        return DigestRow.from_row(row) if row else None

    async def due_digests(self, now: dt.datetime) -> list[DigestRow]:
        """Digests due by now; the partial index makes this cost what is due, not what is configured."""
        rows = await self._run(
            lambda: self._db.execute(
                f"SELECT {_DIGEST_COLUMNS} FROM digest WHERE next_due IS NOT NULL AND paused IS NULL "
                "AND next_due <= ? ORDER BY next_due",
                (_iso(now),),
            ).fetchall()
        )
        return [DigestRow.from_row(row) for row in rows]

    async def next_digest_after(self, now: dt.datetime) -> dt.datetime | None:
        """The earliest due time still to come."""
        row = await self._run(
            lambda: self._db.execute(
                "SELECT MIN(next_due) FROM digest "
                "WHERE next_due IS NOT NULL AND paused IS NULL AND next_due > ?",
                (_iso(now),),
            ).fetchone()
        )
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    async def reschedule_digest(
        self, guild_id: int, next_due: dt.datetime, nothing_new_on: str | None = None
    ) -> None:
        """Move a digest's next due time (and note a day with nothing new)."""
        await self._run(
            lambda: self._db.execute(
                "UPDATE digest SET next_due = ?, nothing_new_on = COALESCE(?, nothing_new_on) "
                "WHERE guild_id = ?",
                (_iso(next_due), nothing_new_on, guild_id),
            )
        )

    async def pause_digest(self, guild_id: int, reason: PauseReason) -> None:
        """Pause a digest until the next `/digest set`, keeping why."""
        await self._run(
            lambda: self._db.execute("UPDATE digest SET paused = ? WHERE guild_id = ?", (reason, guild_id))
        )

    async def seen_versions(self, guild_id: int) -> dict[str, int]:
        """The version of each card this server's digests have already carried."""
        rows = await self._run(
            lambda: self._db.execute(
                "SELECT card_id, version FROM digest_seen WHERE guild_id = ?", (guild_id,)
            ).fetchall()
        )
        return dict(rows)

    async def claim_digest(self, guild_id: int, local_date: str, nonce: str, now: dt.datetime) -> Claim:
        """Record the intent to post a server's digest for a local date, or return the earlier claim."""

        def claim() -> Claim:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT nonce, state, parts_sent, claimed_at FROM digest_ledger "
                    "WHERE guild_id = ? AND local_date = ?",
                    (guild_id, local_date),
                ).fetchone()
                if row is None:
                    self._db.execute(
                        "INSERT INTO digest_ledger (guild_id, local_date, nonce, state, claimed_at) "
                        "VALUES (?, ?, ?, 'sending', ?)",
                        (guild_id, local_date, nonce, _iso(now)),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            if row is None:
                return Claim(nonce, "sending", 0, now, resumed=False)
            return Claim(row[0], row[1], row[2], dt.datetime.fromisoformat(row[3]), resumed=True)

        return await self._run(claim)

    async def digest_part_sent(self, guild_id: int, local_date: str, parts_sent: int) -> None:
        """Record that the first `parts_sent` messages of a digest reached Discord."""
        await self._run(
            lambda: self._db.execute(
                "UPDATE digest_ledger SET parts_sent = ? WHERE guild_id = ? AND local_date = ?",
                (parts_sent, guild_id, local_date),
            )
        )

    async def finish_digest(
        self,
        guild_id: int,
        local_date: str,
        state: LedgerState,
        included: dict[str, int],
        next_due: dt.datetime,
        posted_at: dt.datetime,
    ) -> None:
        """Close a day's digest in one transaction: ledger, what was carried, and the next due time."""

        def finish() -> None:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "UPDATE digest_ledger SET state = ? WHERE guild_id = ? AND local_date = ?",
                    (state, guild_id, local_date),
                )
                self._db.executemany(
                    "INSERT INTO digest_seen (guild_id, card_id, version) VALUES (?, ?, ?) "
                    "ON CONFLICT(guild_id, card_id) DO UPDATE SET version = excluded.version",
                    [(guild_id, card_id, version) for card_id, version in included.items()],
                )
                posted = _iso(posted_at) if state == "sent" else None
                self._db.execute(
                    "UPDATE digest SET next_due = ?, last_date = ?, "
                    "last_posted_at = COALESCE(?, last_posted_at), "
                    "nothing_new_on = CASE WHEN ? = 'empty' THEN ? ELSE nothing_new_on END "
                    "WHERE guild_id = ?",
                    (_iso(next_due), local_date, posted, state, local_date, guild_id),
                )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

        await self._run(finish)

    async def close(self) -> None:
        """Close the connection."""
        await self._run(self._db.close)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


_DIGEST_COLUMNS = (
    "guild_id, channel_id, at, zone, next_due, paused, last_date, last_posted_at, nothing_new_on"
)


def _iso(moment: dt.datetime) -> str:
    """UTC ISO text that sorts as time does."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
