"""The schema history on both backends: old databases move forward without loss; newer ones are refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bot.store import MIGRATIONS, SchemaTooNew, SQLiteStore
from bot.store.postgres import PostgresStore

# A database as the bot left it before digests were per channel (schema version 2).
OLD_ROWS = """
INSERT INTO guild_settings (guild_id, language) VALUES (1, 'zh-Hant'), (2, 'en');
INSERT INTO meta (key, value) VALUES ('command-sync:1:global', 'abc');
INSERT INTO digest VALUES (1, 10, '09:00', 'Asia/Shanghai', '2026-03-07T01:00:00+00:00', NULL,
    '2026-03-06', '2026-03-06T01:00:05+00:00', NULL);
INSERT INTO digest VALUES (3, 30, '08:00', 'UTC', '2026-03-07T08:00:00+00:00', 'forbidden', NULL, NULL, NULL);
INSERT INTO digest_ledger VALUES (1, '2026-03-06', 'd-old-nonce', 'sent', 1, '2026-03-06T01:00:00+00:00');
INSERT INTO digest_ledger VALUES (1, '2026-03-07', 'd-mid-post', 'sending', 1, '2026-03-07T01:00:00+00:00');
INSERT INTO digest_ledger VALUES (2, '2026-03-01', 'd-off', 'sent', 1, '2026-03-01T01:00:00+00:00');
INSERT INTO digest_seen VALUES (1, 'qwen-core-team-departs', 1), (2, 'qwen-core-team-departs', 3);
"""


def old_database(path: Path, version: int = 2) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    for number in range(1, version + 1):
        db.executescript(MIGRATIONS[number - 1].sqlite)
    db.execute(f"PRAGMA user_version = {version}")
    db.executescript(OLD_ROWS)
    db.close()


async def test_a_database_of_one_digest_per_server_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old_database(path)
    store = await SQLiteStore.open(f"sqlite:///{path}")
    assert await store.schema_version() == len(MIGRATIONS)
    assert await store.guild_language(1) == "zh-Hant"
    assert await store.get_meta("command-sync:1:global") == "abc"
    (row,) = await store.digests(1)
    assert (row.channel_id, row.at, row.zone, row.last_date, row.kind, row.topics) == (
        10,
        "09:00",
        "Asia/Shanghai",
        "2026-03-06",
        "text",
        (),
    )
    assert row.last_posted_at is not None
    assert row.last_posted_at.isoformat() == "2026-03-06T01:00:05+00:00"
    paused = await store.digest(3, 30)
    assert paused is not None
    assert paused.paused == "forbidden"
    # The ledger moved to the digest's channel: a post cut off mid-way resumes with its nonce and count.
    resumed = await store.claim_digest(1, 10, "2026-03-07", "new-nonce", row.last_posted_at)
    assert (resumed.nonce, resumed.state, resumed.parts_sent) == ("d-mid-post", "sending", 1)
    assert await store.seen_versions(1, 10) == {"qwen-core-team-departs": 1}
    # A server whose digest was off keeps its rows, under channel 0.
    assert await store.seen_versions(2, 0) == {"qwen-core-team-departs": 3}
    assert (await store.claim_digest(2, 0, "2026-03-01", "x", row.last_posted_at)).nonce == "d-off"
    await store.close()


async def test_a_database_newer_than_the_code_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    await (await SQLiteStore.open(f"sqlite:///{path}")).close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()
    before = path.read_bytes()
    with pytest.raises(
        SchemaTooNew,
        match=rf"schema version {len(MIGRATIONS) + 1}, newer than this code knows \({len(MIGRATIONS)}\)",
    ):
        await SQLiteStore.open(f"sqlite:///{path}")
    assert path.read_bytes() == before


async def postgres_at(url: str, version: int) -> None:
    """A PostgreSQL database brought to an old version of the history, with the old rows in it."""
    db = await asyncpg.connect(url)
    await db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for number in range(1, version + 1):
        await db.execute(MIGRATIONS[number - 1].postgres)
    await db.execute("INSERT INTO schema_version VALUES ($1)", version)
    await db.execute(OLD_ROWS)
    await db.close()


async def test_postgres_moves_the_same_history_forward_without_loss(pg_url: str) -> None:
    await postgres_at(pg_url, 2)
    store = await PostgresStore.open(pg_url)
    assert await store.schema_version() == len(MIGRATIONS)
    assert await store.guild_language(1) == "zh-Hant"
    (row,) = await store.digests(1)
    assert (row.channel_id, row.last_date, row.kind) == (10, "2026-03-06", "text")
    assert row.last_posted_at == dt.datetime(2026, 3, 6, 1, 0, 5, tzinfo=dt.UTC)
    resumed = await store.claim_digest(1, 10, "2026-03-07", "new-nonce", row.last_posted_at)
    assert (resumed.nonce, resumed.parts_sent) == ("d-mid-post", 1)
    assert await store.seen_versions(2, 0) == {"qwen-core-team-departs": 3}
    await store.close()


async def test_postgres_processes_starting_together_migrate_once(pg_url: str) -> None:
    stores = await asyncio.gather(*(PostgresStore.open(pg_url) for _ in range(4)))
    db = await asyncpg.connect(pg_url)
    assert await db.fetch("SELECT version FROM schema_version") == [(len(MIGRATIONS),)]
    await db.close()
    for store in stores:
        await store.close()


async def test_postgres_newer_than_the_code_is_refused_untouched(pg_url: str) -> None:
    await (await PostgresStore.open(pg_url)).close()
    db = await asyncpg.connect(pg_url)
    await db.execute("UPDATE schema_version SET version = $1", len(MIGRATIONS) + 1)
    tables = await db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    with pytest.raises(
        SchemaTooNew,
        match=rf"schema version {len(MIGRATIONS) + 1}, newer than this code knows \({len(MIGRATIONS)}\)",
    ):
        await PostgresStore.open(pg_url)
    assert await db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1") == tables
    assert await db.fetchval("SELECT version FROM schema_version") == len(MIGRATIONS) + 1
    await db.close()
