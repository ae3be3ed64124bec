"""The SQLite store: migrations, lasting settings, concurrent writers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.store import MIGRATIONS, SQLiteStore, sqlite_path


async def test_language_survives_reopening(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/data/bot.sqlite3"
    store = await SQLiteStore.open(url)
    assert await store.guild_language(1) is None
    await store.set_guild_language(1, "zh-Hant")
    await store.close()
    again = await SQLiteStore.open(url)
    assert await again.guild_language(1) == "zh-Hant"
    assert await again.schema_version() == len(MIGRATIONS)
    await again.set_guild_language(1, None)
    assert await again.guild_language(1) is None
    await again.close()


async def test_concurrent_commands_all_land(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bot.sqlite3"
    store = await SQLiteStore.open(url)
    languages = ("en", "zh-Hans", "zh-Hant")
    await asyncio.gather(*(store.set_guild_language(g, languages[g % 3]) for g in range(200)))
    # Read what is really on disk, through a second connection: not the writer's own cache.
    reader = await SQLiteStore.open(url)
    results = await asyncio.gather(*(reader.guild_language(g) for g in range(200)))
    assert results == [languages[g % 3] for g in range(200)]
    await reader.close()
    await store.close()


async def test_meta_round_trip() -> None:
    store = await SQLiteStore.open("sqlite://:memory:")
    assert await store.get_meta("k") is None
    await store.set_meta("k", "v1")
    await store.set_meta("k", "v2")
    assert await store.get_meta("k") == "v2"
    await store.close()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/x.db", Path("data/x.db")),
        ("sqlite:////var/x.db", Path("/var/x.db")),
        ("sqlite://:memory:", ":memory:"),
    ],
)
def test_sqlite_urls(url: str, expected: object) -> None:
    assert sqlite_path(url) == expected


def test_other_databases_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="DATABASE_URL must start with sqlite://"):
        sqlite_path("postgres://x/y")
