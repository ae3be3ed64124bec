"""Languages are read on every reply: remembered in memory, and never past a change anyone made."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from bot.core.language import Candidate, decide_language, parse_language
from bot.store import StoreUnavailable
from bot.store.languages import LanguageCache
from bot.store.postgres import LISTENER_NAME, PostgresStore
from tests.postgres import fresh_database


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Wait until `check` holds, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "never happened"
        await asyncio.sleep(0.02)


# --- the cache itself ------------------------------------------------------------------------------


def test_the_least_recently_read_are_let_go_past_the_bound() -> None:
    cache = LanguageCache(size=2)
    cache.keep(("user_settings", 1), "en", cache.generation)
    cache.keep(("user_settings", 2), "zh-Hans", cache.generation)
    assert cache.get(("user_settings", 1)) == (True, "en")  # read again: now the most recent
    cache.keep(("user_settings", 3), None, cache.generation)
    assert len(cache) == 2
    assert cache.get(("user_settings", 2)) == (False, None)
    assert cache.get(("user_settings", 1)) == (True, "en")
    assert cache.get(("user_settings", 3)) == (True, None)  # "no language" is remembered too


async def test_a_read_begun_before_a_change_is_not_kept() -> None:
    cache = LanguageCache()

    async def read_while_a_change_is_heard() -> str | None:
        cache.forget(("user_settings", 9))  # any change, heard while the read was on its way
        return "en"

    async def read() -> str | None:
        return "en"

    assert await cache.read(("user_settings", 1), read_while_a_change_is_heard) == "en"
    assert cache.get(("user_settings", 1)) == (False, None)
    assert await cache.read(("user_settings", 1), read) == "en"
    assert cache.get(("user_settings", 1)) == (True, "en")


def test_nothing_is_kept_while_switched_off() -> None:
    cache = LanguageCache()
    cache.keep(("guild_settings", 1), "en", cache.generation)
    cache.forget_all(enabled=False)
    assert cache.get(("guild_settings", 1)) == (False, None)
    cache.keep(("guild_settings", 1), "en", cache.generation)
    cache.changed(("guild_settings", 2), "zh-Hant")
    assert len(cache) == 0


def test_what_people_type_as_a_language_does_not_grow_memory_without_bound() -> None:
    for n in range(2000):
        assert parse_language(f"klingon-{n}") is None
    from bot.core.language import _babel_key  # noqa: PLC0415

    assert _babel_key.cache_info().currsize <= 512


# --- the chain asks the store only when it must ------------------------------------------------------


async def test_a_language_chosen_early_needs_no_lookup_and_survives_a_store_outage() -> None:
    async def unreachable() -> str | None:
        raise StoreUnavailable("PostgreSQL is unreachable: OSError")

    candidates: list[tuple[str, Candidate]] = [("option", "zh-Hant"), ("saved", unreachable)]
    assert await decide_language(candidates, "en") == ("zh-Hant", "option")  # type: ignore[arg-type]
    with pytest.raises(StoreUnavailable):
        await decide_language([("option", None), ("saved", unreachable)], "en")


# --- PostgreSQL: several processes, one database -----------------------------------------------------


@pytest.fixture
async def database() -> AsyncIterator[str]:
    async with fresh_database() as url:
        yield url


async def quietly(url: str, sql: str, *args: object) -> None:
    """Change a settings row with its announcing trigger off: what a process remembers then shows."""
    db = await asyncpg.connect(url)
    try:
        async with db.transaction():
            await db.execute("ALTER TABLE user_settings DISABLE TRIGGER language_changed")
            await db.execute(sql, *args)
            await db.execute("ALTER TABLE user_settings ENABLE TRIGGER language_changed")
    finally:
        await db.close()


SET_USER = (
    "INSERT INTO user_settings (user_id, language) VALUES ($1, $2) "
    "ON CONFLICT (user_id) DO UPDATE SET language = excluded.language"
)


async def test_languages_are_remembered_and_a_change_elsewhere_is_heard(database: str) -> None:
    one, other = await PostgresStore.open(database), await PostgresStore.open(database)
    try:
        await eventually(lambda: _true(one.remembering))  # listening begins beside the start, not before
        assert await one.user_language(5) is None
        await quietly(database, SET_USER, 5, "zh-Hans")
        assert await other.user_language(5) == "zh-Hans"  # the row changed ...
        assert await one.user_language(5) is None  # ... and `one` answers from memory

        await other.set_user_language(5, "zh-Hant")  # announced: every process forgets the old one
        await eventually(lambda: _is(one.user_language(5), "zh-Hant"))
        await other.set_channel_language(1, 50, "en")
        await other.set_guild_language(1, "zh-Hans")
        assert await one.channel_language(50) == "en"
        assert await one.guild_language(1) == "zh-Hans"
        await other.set_guild_language(1, None)
        await eventually(lambda: _is(one.guild_language(1), None))
        await other.set_channel_language(1, 50, None)
        await eventually(lambda: _is(one.channel_language(50), None))

        db = await asyncpg.connect(database)
        await db.execute("TRUNCATE user_settings")  # emptied: everything remembered is forgotten
        await db.close()
        await eventually(lambda: _is(one.user_language(5), None))

        await one.set_user_language(7, "en")  # its own change is read at once
        assert await one.user_language(7) == "en"
    finally:
        await one.close()
        await other.close()


async def test_while_changes_cannot_be_heard_nothing_is_remembered(database: str) -> None:
    store = await PostgresStore.open(database)
    try:
        await eventually(lambda: _true(store.remembering))
        assert await store.user_language(5) is None
        admin = await asyncpg.connect(database)
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = $1 AND datname = current_database()",
            LISTENER_NAME,
        )
        await admin.close()
        assert killed == 1
        await eventually(lambda: _true(not store.remembering))
        await quietly(database, SET_USER, 5, "zh-Hans")
        assert await store.user_language(5) == "zh-Hans"  # read from the database, not from memory

        await eventually(lambda: _true(store.remembering))  # listening again after a second
        assert await store.user_language(5) == "zh-Hans"
        await quietly(database, SET_USER, 5, "en")
        assert await store.user_language(5) == "zh-Hans"  # remembered again
    finally:
        await store.close()


async def _is(read: Awaitable[object], expected: object) -> bool:
    return await read == expected


async def _true(value: bool) -> bool:
    return value
