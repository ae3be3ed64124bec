"""The shared store: PostgreSQL through an asyncpg pool, for several processes of one deployment."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg

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
from bot.store.languages import Key, LanguageCache
from bot.store.migrations import LANGUAGE_CHANNEL, MIGRATIONS

log = logging.getLogger(__name__)

# Advisory lock keys are (namespace, key) pairs of int4; one namespace for this bot's locks.
LOCK_NAMESPACE = 0x62726966  # "brif"
MIGRATION_LOCK = 1  # key for the schema history
_DIGEST_COLUMNS = (
    "guild_id, channel_id, at, zone, next_due, paused, last_date, last_posted_at, nothing_new_on, "
    "language, topics, role_id, kind, publish_problem"
)
_DUE = "next_due IS NOT NULL AND paused IS NULL"  # the partial index digest_due covers exactly these rows
# The listening connection, as pg_stat_activity shows it.
LISTENER_NAME = "briefing: language changes"
# How often the listening connection is asked whether it is still there: a network that drops packets
# without closing the connection would otherwise leave languages remembered, and changes unheard, for good.
LISTENER_CHECK = 30.0
LISTENER_RETRY = (1.0, 30.0)  # first and longest wait before connecting the listener again


def _language(value: object) -> Language | None:
    return next((language for language in LANGUAGES if language == value), None)


def _digest_row(record: Any) -> DigestRow:
    """A DigestRow from a record of _DIGEST_COLUMNS."""
    return DigestRow(
        guild_id=record["guild_id"],
        channel_id=record["channel_id"],
        at=record["at"],
        zone=record["zone"],
        next_due=record["next_due"],
        paused=record["paused"],
        last_date=record["last_date"],
        last_posted_at=record["last_posted_at"],
        nothing_new_on=record["nothing_new_on"],
        language=_language(record["language"]),
        topics=split_topics(record["topics"]),
        role_id=record["role_id"],
        kind=record["kind"],
        publish_problem=record["publish_problem"],
    )


class PostgresStore:
    """Every process of a deployment shares it; languages alone are remembered, while changes are heard.

    Every interaction reads up to three languages (the person's, the channel's, the server's): asked of
    the database each time, that is three round trips before any answer. Each process keeps what it read
    and forgets a key when the database announces a change to it (triggers, LISTEN). While the listening
    connection is down, nothing is remembered and every read goes to the database.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._languages = LanguageCache(enabled=False)
        self._listener: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, database_url: str, max_connections: int = 10) -> PostgresStore:
        """Connect a pool and bring the schema up to date under a lock (processes may start together)."""
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=max_connections)
        store = cls(pool)
        try:
            await store._migrate()
        except BaseException:
            await pool.close()
            raise
        # Not on the way to a first answer: until it listens, languages are read from the database.
        store._listener = asyncio.create_task(store._listen(database_url))
        return store

    @property
    def remembering(self) -> bool:
        """Whether languages are remembered now, that is, whether changes are being heard."""
        return self._languages.enabled

    async def _connect_listener(self, database_url: str) -> asyncpg.Connection | None:
        """A connection listening for language changes, or None (logged) when there is none now."""
        try:
            connection = await asyncpg.connect(
                database_url, server_settings={"application_name": LISTENER_NAME}
            )
        except (*_OUTAGES, asyncpg.PostgresError) as exc:
            log.warning("not listening for language changes (%s); every read asks the database", exc)
            return None
        try:
            await connection.add_listener(LANGUAGE_CHANNEL, self._heard)
        except BaseException:
            connection.terminate()
            raise
        # Listening from here on: what is read from now is safe to keep.
        self._languages.forget_all(enabled=True)
        log.info("listening for language changes")
        return connection

    async def _listen(self, database_url: str) -> None:
        """Keep one connection listening; while there is none, remember nothing."""
        first, longest = LISTENER_RETRY
        wait = first
        while True:
            try:
                connection = await self._connect_listener(database_url)
                if connection is not None:
                    wait = first
                    await self._while_connected(connection)
                    log.warning("stopped listening for language changes; every read asks the database")
            except Exception:
                self._languages.forget_all(enabled=False)
                log.exception("the language listener failed; every read asks the database")
            await asyncio.sleep(wait)
            wait = min(wait * 2, longest)

    async def _while_connected(self, connection: asyncpg.Connection) -> None:
        """Return once the listening connection is closed, or no longer answers."""
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        try:
            while not connection.is_closed():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), LISTENER_CHECK)
                if not connection.is_closed():
                    await connection.fetchval("SELECT 1", timeout=5)
        except (*_OUTAGES, asyncpg.PostgresError):
            pass
        finally:
            # Changes made from now until listening again would go unheard: remember nothing meanwhile.
            self._languages.forget_all(enabled=False)
            connection.terminate()

    def _heard(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        table, _, key = payload.partition(":")
        if key.lstrip("-").isdigit():
            self._languages.forget((table, int(key)))
        else:  # "*": a table was emptied
            self._languages.forget_all()

    async def _set_language(self, key: Key, sql: str, *args: object) -> None:
        try:
            await self._pool.execute(sql, *args)
        finally:
            # The trigger announces it to every process soon; this one reads its own change at once.
            self._languages.forget(key)

    async def _cached_language(self, table: str, key: str, value: int) -> Language | None:
        async def fetch() -> Language | None:
            return _language(
                await self._pool.fetchval(f"SELECT language FROM {table} WHERE {key} = $1", value)
            )

        return await self._languages.read((table, value), fetch)

    async def _migrate(self, target: int = len(MIGRATIONS)) -> None:
        async with self._pool.acquire() as db:
            # A session lock held across the whole history: a second process waits here, then finds it done.
            await db.execute("SELECT pg_advisory_lock($1, $2)", LOCK_NAMESPACE, MIGRATION_LOCK)
            try:
                await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                version = await db.fetchval("SELECT max(version) FROM schema_version") or 0
                if version > len(MIGRATIONS):
                    raise SchemaTooNew(version, len(MIGRATIONS))
                for number in range(version + 1, target + 1):
                    async with db.transaction():
                        await db.execute(MIGRATIONS[number - 1].postgres)
                        await db.execute("DELETE FROM schema_version")
                        await db.execute("INSERT INTO schema_version (version) VALUES ($1)", number)
                    log.info("database schema moved to version %d: %s", number, MIGRATIONS[number - 1].name)
            finally:
                await db.execute("SELECT pg_advisory_unlock($1, $2)", LOCK_NAMESPACE, MIGRATION_LOCK)

    async def schema_version(self) -> int:
        """How many migrations this database has run."""
        return int(await self._pool.fetchval("SELECT max(version) FROM schema_version") or 0)

    # --- languages ---------------------------------------------------------------------------------

    async def guild_language(self, guild_id: int) -> Language | None:
        """The language a server chose, if it chose one."""
        return await self._cached_language("guild_settings", "guild_id", guild_id)

    async def set_guild_language(self, guild_id: int, language: Language | None) -> None:
        """Choose a server's language, or clear the choice with None."""
        await self._set_language(
            ("guild_settings", guild_id),
            "INSERT INTO guild_settings (guild_id, language) VALUES ($1, $2) ON CONFLICT (guild_id) "
            "DO UPDATE SET language = excluded.language, updated_at = now()",
            guild_id,
            language,
        )

    async def guild_locale(self, guild_id: int) -> str | None:
        """A server's preferred locale as last seen by any process."""
        value = await self._pool.fetchval("SELECT locale FROM guild_settings WHERE guild_id = $1", guild_id)
        return str(value) if value is not None else None

    async def set_guild_locale(self, guild_id: int, locale: str) -> None:
        """Record a server's preferred locale (written only when it changed)."""
        await self._pool.execute(
            "INSERT INTO guild_settings (guild_id, locale) VALUES ($1, $2) ON CONFLICT (guild_id) "
            "DO UPDATE SET locale = excluded.locale "
            "WHERE guild_settings.locale IS DISTINCT FROM excluded.locale",
            guild_id,
            locale,
        )

    async def user_language(self, user_id: int) -> Language | None:
        """The language a person saved for themselves, if any."""
        return await self._cached_language("user_settings", "user_id", user_id)

    async def set_user_language(self, user_id: int, language: Language | None) -> None:
        """Save a person's own language, or clear it with None."""
        key = ("user_settings", user_id)
        if language is None:
            await self._set_language(key, "DELETE FROM user_settings WHERE user_id = $1", user_id)
            return
        await self._set_language(
            key,
            "INSERT INTO user_settings (user_id, language) VALUES ($1, $2) "
            "ON CONFLICT (user_id) DO UPDATE SET language = excluded.language",
            user_id,
            language,
        )

    async def channel_language(self, channel_id: int) -> Language | None:
        """The language a channel was set to, if any."""
        return await self._cached_language("channel_settings", "channel_id", channel_id)

    async def set_channel_language(self, guild_id: int, channel_id: int, language: Language | None) -> None:
        """Set a channel's language, or clear it with None."""
        key = ("channel_settings", channel_id)
        if language is None:
            await self._set_language(key, "DELETE FROM channel_settings WHERE channel_id = $1", channel_id)
            return
        await self._set_language(
            key,
            "INSERT INTO channel_settings (channel_id, guild_id, language) VALUES ($1, $2, $3) "
            "ON CONFLICT (channel_id) DO UPDATE SET language = excluded.language",
            channel_id,
            guild_id,
            language,
        )

    # --- bookkeeping -------------------------------------------------------------------------------

    async def get_meta(self, key: str) -> str | None:
        """A bookkeeping value, such as the hash of the last command sync."""
        value = await self._pool.fetchval("SELECT value FROM meta WHERE key = $1", key)
        return str(value) if value is not None else None

    async def set_meta(self, key: str, value: str) -> None:
        """Record a bookkeeping value."""
        await self._pool.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            key,
            value,
        )

    @asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[None]:
        """Hold a named advisory lock; the server releases it if this process dies holding it."""
        async with self._pool.acquire() as db:
            await db.execute("SELECT pg_advisory_lock($1, hashtext($2))", LOCK_NAMESPACE, name)
            try:
                yield
            finally:
                await db.execute("SELECT pg_advisory_unlock($1, hashtext($2))", LOCK_NAMESPACE, name)

    async def rate_slot(self, name: str, interval: float) -> float:
        """Book the next free slot of a budget every process shares; seconds to wait for it.

        One row per budget holds the next free moment on the database's clock, so processes on machines
        with slightly different clocks still space their requests `interval` apart between them.
        """
        await self._pool.execute(
            "INSERT INTO rate_budget (name, next_at) VALUES ($1, 0) ON CONFLICT DO NOTHING", name
        )
        wait = await self._pool.fetchval(
            "WITH clock AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS t) "
            "UPDATE rate_budget SET next_at = greatest(next_at, clock.t) + $2 FROM clock WHERE name = $1 "
            "RETURNING next_at - $2 - clock.t",
            name,
            interval,
        )
        return float(wait)

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
        async with self._pool.acquire() as db, db.transaction():
            # One server's digests are counted and written under its own lock: two /digest set at once
            # in different processes cannot make eleven.
            await db.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext('digests:' || $2::bigint::text))",
                LOCK_NAMESPACE,
                guild_id,
            )
            others = await db.fetchval(
                "SELECT count(*) FROM digest WHERE guild_id = $1 AND channel_id != $2", guild_id, channel_id
            )
            if others >= MAX_DIGESTS:
                raise TooManyDigests(guild_id)
            await db.execute(
                "INSERT INTO digest (guild_id, channel_id, kind, at, zone, language, topics, role_id, "
                "next_due) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                "ON CONFLICT (guild_id, channel_id) DO UPDATE SET kind = excluded.kind, at = excluded.at, "
                "zone = excluded.zone, language = excluded.language, topics = excluded.topics, "
                "role_id = excluded.role_id, next_due = excluded.next_due, paused = NULL, "
                "publish_problem = NULL, lease_owner = NULL, lease_until = NULL",
                guild_id,
                channel_id,
                kind,
                at,
                zone,
                language,
                join_topics(topics),
                role_id,
                next_due,
            )

    async def digest_off(self, guild_id: int, channel_id: int) -> bool:
        """Stop the digest of a channel; what it was sent stays recorded."""
        status = await self._pool.execute(
            "DELETE FROM digest WHERE guild_id = $1 AND channel_id = $2", guild_id, channel_id
        )
        return str(status) != "DELETE 0"

    async def digest(self, guild_id: int, channel_id: int) -> DigestRow | None:
        """The digest of a channel."""
        record = await self._pool.fetchrow(
            f"SELECT {_DIGEST_COLUMNS} FROM digest WHERE guild_id = $1 AND channel_id = $2",
            guild_id,
            channel_id,
        )
        return _digest_row(record) if record else None

    async def digests(self, guild_id: int) -> list[DigestRow]:
        """Every digest of a server, by channel."""
        records = await self._pool.fetch(
            f"SELECT {_DIGEST_COLUMNS} FROM digest WHERE guild_id = $1 ORDER BY channel_id", guild_id
        )
        return [_digest_row(r) for r in records]

    async def due_digests(self, now: dt.datetime) -> list[DigestRow]:
        """Digests due by now, read through the partial index."""
        records = await self._pool.fetch(
            f"SELECT {_DIGEST_COLUMNS} FROM digest WHERE {_DUE} AND next_due <= $1 ORDER BY next_due", now
        )
        return [_digest_row(r) for r in records]

    async def next_digest_after(self, now: dt.datetime) -> dt.datetime | None:
        """The earliest moment a digest becomes due, or a lease on a due one runs out."""
        value = await self._pool.fetchval(
            f"SELECT least((SELECT min(next_due) FROM digest WHERE {_DUE} AND next_due > $1), "
            f"(SELECT min(lease_until) FROM digest WHERE {_DUE} AND next_due <= $1 AND lease_until > $1))",
            now,
        )
        return value if isinstance(value, dt.datetime) else None

    async def lease_due(
        self,
        now: dt.datetime,
        owner: str,
        until: dt.datetime,
        limit: int,
        shards: Shards | None = None,
    ) -> list[DigestRow]:
        """Take up to `limit` due digests no live lease holds; SKIP LOCKED gives processes disjoint sets."""
        count, ids, others_after = (
            (shards.count, list(shards.ids), shards.others_after) if shards else (None, [], None)
        )
        records = await self._pool.fetch(
            f"UPDATE digest d SET lease_owner = $2, lease_until = $3 FROM ("
            f"SELECT guild_id, channel_id FROM digest WHERE {_DUE} AND next_due <= $1 "
            "AND (lease_until IS NULL OR lease_until <= $1) "
            "AND ($5::int IS NULL OR ((guild_id >> 22) % $5)::int = ANY($6::int[]) OR next_due <= $7) "
            "ORDER BY next_due LIMIT $4 FOR UPDATE SKIP LOCKED) free "
            "WHERE d.guild_id = free.guild_id AND d.channel_id = free.channel_id "
            f"RETURNING {', '.join('d.' + c for c in _DIGEST_COLUMNS.split(', '))}",
            now,
            owner,
            until,
            limit,
            count,
            ids,
            others_after,
        )
        return sorted(map(_digest_row, records), key=lambda row: (row.next_due or now, row.guild_id))

    async def reschedule_digest(
        self, guild_id: int, channel_id: int, next_due: dt.datetime, nothing_new_on: str | None = None
    ) -> None:
        """Move a digest's next due time (and note a day with nothing new); its lease ends."""
        await self._pool.execute(
            "UPDATE digest SET next_due = $3, nothing_new_on = coalesce($4, nothing_new_on), "
            "lease_owner = NULL, lease_until = NULL WHERE guild_id = $1 AND channel_id = $2",
            guild_id,
            channel_id,
            next_due,
            nothing_new_on,
        )

    async def pause_digest(self, guild_id: int, channel_id: int, reason: PauseReason) -> None:
        """Pause a digest until the next `/digest set`, keeping why."""
        await self._pool.execute(
            "UPDATE digest SET paused = $3, lease_owner = NULL, lease_until = NULL "
            "WHERE guild_id = $1 AND channel_id = $2",
            guild_id,
            channel_id,
            reason,
        )

    async def seen_versions(self, guild_id: int, channel_id: int) -> dict[str, int]:
        """The version of each card this digest has already carried."""
        records = await self._pool.fetch(
            "SELECT card_id, version FROM digest_seen WHERE guild_id = $1 AND channel_id = $2",
            guild_id,
            channel_id,
        )
        return {r["card_id"]: r["version"] for r in records}

    async def claim_digest(
        self, guild_id: int, channel_id: int, local_date: str, nonce: str, now: dt.datetime
    ) -> Claim:
        """Record the intent to post a digest for a local date, or return the earlier claim."""
        async with self._pool.acquire() as db, db.transaction():
            # A concurrent insert of the same key waits for the first to commit, then does nothing;
            # the SELECT after it then sees the winner's row.
            status = await db.execute(
                "INSERT INTO digest_ledger (guild_id, channel_id, local_date, nonce, state, claimed_at) "
                "VALUES ($1, $2, $3, $4, 'sending', $5) ON CONFLICT DO NOTHING",
                guild_id,
                channel_id,
                local_date,
                nonce,
                now,
            )
            record = await db.fetchrow(
                "SELECT nonce, state, parts_sent, claimed_at FROM digest_ledger "
                "WHERE guild_id = $1 AND channel_id = $2 AND local_date = $3",
                guild_id,
                channel_id,
                local_date,
            )
        # An earlier claim is one that another run or process made and did not finish.
        resumed = str(status) == "INSERT 0 0"
        return Claim(record["nonce"], record["state"], record["parts_sent"], record["claimed_at"], resumed)

    async def digest_part_sent(
        self, guild_id: int, channel_id: int, local_date: str, parts_sent: int
    ) -> None:
        """Record that the first `parts_sent` messages of a digest reached Discord (never fewer)."""
        await self._pool.execute(
            "UPDATE digest_ledger SET parts_sent = greatest(parts_sent, $4) "
            "WHERE guild_id = $1 AND channel_id = $2 AND local_date = $3",
            guild_id,
            channel_id,
            local_date,
            parts_sent,
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
        sent = state == "sent"
        async with self._pool.acquire() as db, db.transaction():
            await db.execute(
                "UPDATE digest_ledger SET state = $4 "
                "WHERE guild_id = $1 AND channel_id = $2 AND local_date = $3",
                guild_id,
                channel_id,
                local_date,
                state,
            )
            await db.executemany(
                "INSERT INTO digest_seen (guild_id, channel_id, card_id, version) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (guild_id, channel_id, card_id) DO UPDATE SET version = excluded.version",
                [(guild_id, channel_id, card_id, version) for card_id, version in included.items()],
            )
            await db.execute(
                "UPDATE digest SET next_due = $3, last_date = $4, "
                "last_posted_at = CASE WHEN $5 THEN $6 ELSE last_posted_at END, "
                "nothing_new_on = CASE WHEN $7 = 'empty' THEN $4 ELSE nothing_new_on END, "
                "publish_problem = CASE WHEN $5 THEN $8 ELSE publish_problem END, "
                "lease_owner = NULL, lease_until = NULL WHERE guild_id = $1 AND channel_id = $2",
                guild_id,
                channel_id,
                next_due,
                local_date,
                sent,
                posted_at,
                state,
                publish_problem,
            )

    async def problem(self) -> str | None:
        """Whether the database answers now; what went wrong if it does not."""
        try:
            await self._pool.fetchval("SELECT 1", timeout=5)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            return f"the database does not answer: {type(exc).__name__}: {exc}"
        return None

    async def close(self) -> None:
        """Stop listening and close the pool."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._pool.close()


# A server that is down, restarting, refusing connections or dropped a connection: the operation may work
# in a moment, so callers get StoreUnavailable and try again soon, as they do for a locked SQLite file.
_OUTAGES: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,  # includes a connection that no longer exists
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.exceptions.OperatorInterventionError,  # admin or crash shutdown
    asyncpg.exceptions.InternalClientError,  # a connection left broken by one of the above
)

Method = TypeVar("Method", bound=Callable[..., Awaitable[Any]])


def _outage_is_unavailable(method: Method) -> Method:
    """The same operation, raising StoreUnavailable when the server cannot be reached."""

    @functools.wraps(method)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except _OUTAGES as exc:
            raise StoreUnavailable(f"PostgreSQL is unreachable: {type(exc).__name__}") from exc

    return guarded  # type: ignore[return-value]


for _name, _method in list(vars(PostgresStore).items()):
    if (
        inspect.iscoroutinefunction(_method)
        and not _name.startswith("_")
        and _name not in ("problem", "close")
    ):
        setattr(PostgresStore, _name, _outage_is_unavailable(_method))
