"""The embedded store: one SQLite file, one connection used from a worker thread under a lock."""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import json
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

from bot.core.language import LANGUAGES, Language
from bot.store.base import (
    MAX_DIGESTS,
    ChannelKind,
    Claim,
    DigestRow,
    LedgerState,
    PauseReason,
    SchemaTooNew,
    Shards,
    StoreUnavailable,
    TooManyDigests,
    join_topics,
    split_topics,
)
from bot.store.languages import LanguageCache
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


def _language(value: object) -> Language | None:
    return next((language for language in LANGUAGES if language == value), None)


class SQLiteStore:
    """The embedded default: one SQLite file, one connection used from a worker thread under a lock."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None = None) -> None:
        self._db = connection
        self._path = path
        self._lock = threading.Lock()
        self._locks: dict[str, asyncio.Lock] = {}
        # Read on every command, written only through this object (one process): answer from memory.
        self._languages = LanguageCache()
        # Which file was opened: a file deleted or replaced under a running bot is noticed by comparing.
        self._identity = _identity(path) if path is not None else None

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

    def _migrate(self, target: int = len(MIGRATIONS)) -> None:
        # BEGIN IMMEDIATE takes the write lock before reading the version: two processes opening the same
        # file at once run each step once, the second finding it done.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise SchemaTooNew(version, len(MIGRATIONS))
            for number in range(version + 1, target + 1):
                for statement in filter(str.strip, MIGRATIONS[number - 1].sqlite.split(";")):
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

    def _transaction(self, work: Callable[[], T]) -> Callable[[], T]:
        def run() -> T:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = work()
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return result

        return run

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

    # --- languages ---------------------------------------------------------------------------------

    async def _cached_language(self, table: str, key: str, value: int) -> Language | None:
        async def fetch() -> Language | None:
            row = await self._run(
                lambda: self._db.execute(f"SELECT language FROM {table} WHERE {key} = ?", (value,)).fetchone()
            )
            return _language(row[0] if row else None)

        return await self._languages.read((table, value), fetch)

    async def guild_language(self, guild_id: int) -> Language | None:
        """The language a server chose, if it chose one."""
        return await self._cached_language("guild_settings", "guild_id", guild_id)

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
        self._languages.changed(("guild_settings", guild_id), language)

    async def guild_locale(self, guild_id: int) -> str | None:
        """A server's preferred locale as last seen."""
        row = await self._run(
            lambda: self._db.execute(
                "SELECT locale FROM guild_settings WHERE guild_id = ?", (guild_id,)
            ).fetchone()
        )
        return row[0] if row else None

    async def set_guild_locale(self, guild_id: int, locale: str) -> None:
        """Record a server's preferred locale (written only when it changed)."""
        await self._run(
            lambda: self._db.execute(
                "INSERT INTO guild_settings (guild_id, locale) VALUES (?, ?) ON CONFLICT(guild_id) "
                "DO UPDATE SET locale = excluded.locale WHERE locale IS NOT excluded.locale",
                (guild_id, locale),
            )
        )

    async def user_language(self, user_id: int) -> Language | None:
        """The language a person saved for themselves, if any."""
        return await self._cached_language("user_settings", "user_id", user_id)

    async def set_user_language(self, user_id: int, language: Language | None) -> None:
        """Save a person's own language, or clear it with None."""
        if language is None:
            sql, args = "DELETE FROM user_settings WHERE user_id = ?", (user_id,)
        else:
            sql = (
                "INSERT INTO user_settings (user_id, language) VALUES (?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET language = excluded.language"
            )
            args = (user_id, language)  # type: ignore[assignment]
        await self._run(lambda: self._db.execute(sql, args))
        self._languages.changed(("user_settings", user_id), language)

    async def channel_language(self, channel_id: int) -> Language | None:
        """The language a channel was set to, if any."""
        return await self._cached_language("channel_settings", "channel_id", channel_id)

    async def set_channel_language(self, guild_id: int, channel_id: int, language: Language | None) -> None:
        """Set a channel's language, or clear it with None."""
        if language is None:
            sql, args = "DELETE FROM channel_settings WHERE channel_id = ?", (channel_id,)
        else:
            sql = (
                "INSERT INTO channel_settings (channel_id, guild_id, language) VALUES (?, ?, ?) "
                "ON CONFLICT(channel_id) DO UPDATE SET language = excluded.language"
            )
            args = (channel_id, guild_id, language)  # type: ignore[assignment]
        await self._run(lambda: self._db.execute(sql, args))
        self._languages.changed(("channel_settings", channel_id), language)

    # --- bookkeeping -------------------------------------------------------------------------------

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

    # --- daily digests -----------------------------------------------------------------------------

    async def set_digest(
        self,
        guild_id: int,
        channel_id: int,
        at: str,
        zone: str,
        next_due: dt.datetime,
        *,
        language: Language | None = None,
        topics: tuple[str, ...] = (),
        role_id: int | None = None,
        kind: ChannelKind = "text",
    ) -> None:
        """Set (or move) the digest of a channel; setting it again resumes a paused one."""

        def upsert() -> None:
            # Counted and written under one write lock, so two /digest set at once cannot make eleven.
            others = self._db.execute(
                "SELECT COUNT(*) FROM digest WHERE guild_id = ? AND channel_id != ?", (guild_id, channel_id)
            ).fetchone()[0]
            if others >= MAX_DIGESTS:
                raise TooManyDigests(guild_id)
            self._db.execute(
                "INSERT INTO digest (guild_id, channel_id, kind, at, zone, language, topics, role_id, "
                "next_due, paused, publish_problem) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL) "
                "ON CONFLICT(guild_id, channel_id) DO UPDATE SET kind = excluded.kind, at = excluded.at, "
                "zone = excluded.zone, language = excluded.language, topics = excluded.topics, "
                "role_id = excluded.role_id, next_due = excluded.next_due, paused = NULL, "
                "publish_problem = NULL, lease_owner = NULL, lease_until = NULL",
                (
                    guild_id,
                    channel_id,
                    kind,
                    at,
                    zone,
                    language,
                    join_topics(topics),
                    role_id,
                    _iso(next_due),
                ),
            )

        await self._run(self._transaction(upsert))

    async def digest_off(self, guild_id: int, channel_id: int) -> bool:
        """Stop the digest of a channel; what it was sent stays recorded."""
        cursor = await self._run(
            lambda: self._db.execute(
                "DELETE FROM digest WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id)
            )
        )
        return cursor.rowcount > 0

    async def digest(self, guild_id: int, channel_id: int) -> DigestRow | None:
        """The digest of a channel."""
        row = await self._run(
            lambda: self._db.execute(
                f"SELECT {_DIGEST_COLUMNS} FROM digest WHERE guild_id = ? AND channel_id = ?",
                (guild_id, channel_id),
            ).fetchone()
        )
        return _digest_row(row) if row else None

    async def digests(self, guild_id: int) -> list[DigestRow]:
        """Every digest of a server, by channel."""
        rows = await self._run(
            lambda: self._db.execute(
                f"SELECT {_DIGEST_COLUMNS} FROM digest WHERE guild_id = ? ORDER BY channel_id", (guild_id,)
            ).fetchall()
        )
        return [_digest_row(row) for row in rows]

    async def due_digests(self, now: dt.datetime) -> list[DigestRow]:
        """Digests due by now; the partial index makes this cost what is due, not what is configured."""
        rows = await self._run(
            lambda: self._db.execute(
                f"SELECT {_DIGEST_COLUMNS} FROM digest WHERE next_due IS NOT NULL AND paused IS NULL "
                "AND next_due <= ? ORDER BY next_due",
                (_iso(now),),
            ).fetchall()
        )
        return [_digest_row(row) for row in rows]

    async def next_digest_after(self, now: dt.datetime) -> dt.datetime | None:
        """The earliest moment a digest becomes due, or a lease on a due one runs out."""
        row = await self._run(
            lambda: self._db.execute(
                "SELECT MIN(t) FROM (SELECT MIN(next_due) AS t FROM digest "
                "WHERE next_due IS NOT NULL AND paused IS NULL AND next_due > ?1 "
                "UNION ALL SELECT MIN(lease_until) FROM digest "
                "WHERE next_due IS NOT NULL AND paused IS NULL AND next_due <= ?1 AND lease_until > ?1)",
                (_iso(now),),
            ).fetchone()
        )
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    async def lease_due(
        self,
        now: dt.datetime,
        owner: str,
        until: dt.datetime,
        limit: int,
        shards: Shards | None = None,
    ) -> list[DigestRow]:
        """Take up to `limit` due digests no live lease holds, leasing them to `owner` until `until`."""
        mine = ""
        args: list[object] = [owner, _iso(until), _iso(now)]
        if shards is not None:
            mine = "AND (((guild_id >> 22) % ?) IN (SELECT value FROM json_each(?)) OR next_due <= ?) "
            args += [shards.count, json.dumps(list(shards.ids)), _iso(shards.others_after)]
        rows = await self._run(
            self._transaction(
                lambda: self._db.execute(
                    "UPDATE digest SET lease_owner = ?, lease_until = ? WHERE rowid IN ("
                    "SELECT rowid FROM digest WHERE next_due IS NOT NULL AND paused IS NULL "
                    f"AND next_due <= ?3 AND (lease_until IS NULL OR lease_until <= ?3) {mine}"
                    f"ORDER BY next_due LIMIT ?) RETURNING {_DIGEST_COLUMNS}",
                    (*args, limit),
                ).fetchall()
            )
        )
        return sorted(map(_digest_row, rows), key=lambda row: (row.next_due or now, row.guild_id))

    async def rate_slot(self, name: str, interval: float) -> float:
        """Book the next free slot of a rate budget kept in the file; seconds to wait for it."""

        def book() -> float:
            now = time.time()
            self._db.execute("INSERT OR IGNORE INTO rate_budget (name, next_at) VALUES (?, 0)", (name,))
            (next_at,) = self._db.execute(
                "UPDATE rate_budget SET next_at = MAX(next_at, ?) + ? WHERE name = ? RETURNING next_at",
                (now, interval, name),
            ).fetchone()
            return float(next_at) - interval - now

        return await self._run(self._transaction(book))

    @asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[None]:
        """Hold a named lock: a file lock beside the database, so processes sharing the file agree."""
        async with self._locks.setdefault(name, asyncio.Lock()):
            if self._path is None:
                yield
                return
            handle = (self._path.parent / f"{self._path.name}.{name}.lock").open("a")
            try:
                await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
                yield
            finally:
                handle.close()  # closing releases the lock, also when the process dies

    async def reschedule_digest(
        self, guild_id: int, channel_id: int, next_due: dt.datetime, nothing_new_on: str | None = None
    ) -> None:
        """Move a digest's next due time (and note a day with nothing new)."""
        await self._run(
            lambda: self._db.execute(
                "UPDATE digest SET next_due = ?, nothing_new_on = COALESCE(?, nothing_new_on), "
                "lease_owner = NULL, lease_until = NULL WHERE guild_id = ? AND channel_id = ?",
                (_iso(next_due), nothing_new_on, guild_id, channel_id),
            )
        )

    async def pause_digest(self, guild_id: int, channel_id: int, reason: PauseReason) -> None:
        """Pause a digest until the next `/digest set`, keeping why."""
        await self._run(
            lambda: self._db.execute(
                "UPDATE digest SET paused = ?, lease_owner = NULL, lease_until = NULL "
                "WHERE guild_id = ? AND channel_id = ?",
                (reason, guild_id, channel_id),
            )
        )

    async def seen_versions(self, guild_id: int, channel_id: int) -> dict[str, int]:
        """The version of each card this digest has already carried."""
        rows = await self._run(
            lambda: self._db.execute(
                "SELECT card_id, version FROM digest_seen WHERE guild_id = ? AND channel_id = ?",
                (guild_id, channel_id),
            ).fetchall()
        )
        return dict(rows)

    async def claim_digest(
        self, guild_id: int, channel_id: int, local_date: str, nonce: str, now: dt.datetime
    ) -> Claim:
        """Record the intent to post a digest for a local date, or return the earlier claim."""

        def claim() -> Claim:
            inserted = self._db.execute(
                "INSERT INTO digest_ledger (guild_id, channel_id, local_date, nonce, state, claimed_at) "
                "VALUES (?, ?, ?, ?, 'sending', ?) ON CONFLICT DO NOTHING",
                (guild_id, channel_id, local_date, nonce, _iso(now)),
            ).rowcount
            row = self._db.execute(
                "SELECT nonce, state, parts_sent, claimed_at FROM digest_ledger "
                "WHERE guild_id = ? AND channel_id = ? AND local_date = ?",
                (guild_id, channel_id, local_date),
            ).fetchone()
            # An earlier claim is one a run before this one made and did not finish (a crash, a kill).
            return Claim(row[0], row[1], row[2], dt.datetime.fromisoformat(row[3]), resumed=inserted == 0)

        return await self._run(self._transaction(claim))

    async def digest_part_sent(
        self, guild_id: int, channel_id: int, local_date: str, parts_sent: int
    ) -> None:
        """Record that the first `parts_sent` messages of a digest reached Discord."""
        await self._run(
            lambda: self._db.execute(
                "UPDATE digest_ledger SET parts_sent = ? "
                "WHERE guild_id = ? AND channel_id = ? AND local_date = ?",
                (parts_sent, guild_id, channel_id, local_date),
            )
        )

    async def finish_digest(
        self,
        guild_id: int,
        channel_id: int,
        local_date: str,
        state: LedgerState,
        included: dict[str, int],
        next_due: dt.datetime,
        posted_at: dt.datetime,
        publish_problem: str | None = None,
    ) -> None:
        """Close a day's digest in one transaction: ledger, what was carried, and the next due time."""

        def finish() -> None:
            self._db.execute(
                "UPDATE digest_ledger SET state = ? WHERE guild_id = ? AND channel_id = ? AND local_date = ?",
                (state, guild_id, channel_id, local_date),
            )
            self._db.executemany(
                "INSERT INTO digest_seen (guild_id, channel_id, card_id, version) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(guild_id, channel_id, card_id) DO UPDATE SET version = excluded.version",
                [(guild_id, channel_id, card_id, version) for card_id, version in included.items()],
            )
            sent = state == "sent"
            self._db.execute(
                "UPDATE digest SET next_due = ?, last_date = ?, "
                "last_posted_at = CASE WHEN ? THEN ? ELSE last_posted_at END, "
                "nothing_new_on = CASE WHEN ? = 'empty' THEN ? ELSE nothing_new_on END, "
                "publish_problem = CASE WHEN ? THEN ? ELSE publish_problem END, "
                "lease_owner = NULL, lease_until = NULL "
                "WHERE guild_id = ? AND channel_id = ?",
                (
                    _iso(next_due),
                    local_date,
                    sent,
                    _iso(posted_at),
                    state,
                    local_date,
                    sent,
                    publish_problem,
                    guild_id,
                    channel_id,
                ),
            )

        await self._run(self._transaction(finish))

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
    "guild_id, channel_id, at, zone, next_due, paused, last_date, last_posted_at, nothing_new_on, "
    "language, topics, role_id, kind, publish_problem"
)


def _digest_row(row: tuple[Any, ...]) -> DigestRow:
    """A DigestRow from a SELECT of _DIGEST_COLUMNS."""
    guild, channel, at, zone, due, paused, last_date, posted, nothing, language, topics, role, kind, note = (
        row
    )
    return DigestRow(
        guild_id=guild,
        channel_id=channel,
        at=at,
        zone=zone,
        next_due=dt.datetime.fromisoformat(due) if due else None,
        paused=paused,
        last_date=last_date,
        last_posted_at=dt.datetime.fromisoformat(posted) if posted else None,
        nothing_new_on=nothing,
        language=_language(language),
        topics=split_topics(topics),
        role_id=role,
        kind=kind,
        publish_problem=note,
    )


def _iso(moment: dt.datetime) -> str:
    """UTC ISO text that sorts as time does."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
