"""The running bot watches itself: a health line for its background tasks, and its database file."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

from bot.store import MIGRATIONS
from tests.e2e.bot_process import BotProcess, running_bot
from tests.e2e.conftest import ADMIN, ask
from tests.e2e.discord_server import CHANNEL_ID, LoopbackDiscord
from tests.e2e.test_digest import digest_posts
from tests.e2e.test_hostile_content import logged_after


async def test_health_is_logged_and_a_deleted_or_replaced_database_is_noticed(tmp_path: Path) -> None:
    async with LoopbackDiscord() as server:
        env = {"HEALTH_INTERVAL": "0.3", "RELOAD_INTERVAL": "0.3"}
        async with running_bot(server, tmp_path, **env) as bot:
            line = await logged_after(bot, 0, "health: ok; last completed cycles: content reload ")
            assert "digest scheduler " in line
            database = tmp_path / "bot.sqlite3"

            start = len(bot.log())
            database.unlink()
            line = await logged_after(bot, start, "store: the database file")
            assert line.endswith(f"{database} was deleted while the bot runs; what it writes now is lost")
            assert " ERROR " in line
            await logged_after(bot, start, "health: store problem; last completed cycles: ")

            start = len(bot.log())
            database.write_bytes(b"")
            line = await logged_after(bot, start, "store: the database file")
            assert line.endswith(f"{database} was replaced while the bot runs; restart to use the new one")
            assert await server.command("briefs", {})  # still answering


async def test_a_database_from_newer_code_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        db.execute("PRAGMA user_version = 99")
    async with LoopbackDiscord() as server:
        bot = BotProcess(tmp_path, server.env())
        await bot.start()
        assert bot.process is not None
        assert await asyncio.wait_for(bot.process.wait(), 30) == 1
    assert (
        "ERROR bot.discord.runner: the briefing extension could not start: the database is at schema "
        f"version 99, newer than this code knows ({len(MIGRATIONS)}): run the newer version of the bot "
        "that wrote it, or restore a backup"
    ) in bot.log()
    assert "Traceback" not in bot.log()


async def test_a_store_locked_across_the_due_minute_delays_the_digest(tmp_path: Path) -> None:
    async with LoopbackDiscord() as server, running_bot(server, tmp_path) as bot:
        await ask(server, "briefs")  # the server's language choice is read (and remembered) once
        now = dt.datetime.now(dt.UTC)
        if now.second > 50:
            await asyncio.sleep(61 - now.second)
            now = dt.datetime.now(dt.UTC)
        due = (now + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
        await ask(
            server,
            "digest",
            {"channel": CHANNEL_ID, "time": due.strftime("%H:%M"), "timezone": "UTC"},
            subcommand="set",
            **ADMIN,
        )
        # Another process takes the write lock before the due minute and holds it past the store's
        # own wait for a lock (10 s), so the claim fails at least once.
        blocker = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None, timeout=30)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            await asyncio.sleep((due - dt.datetime.now(dt.UTC)).total_seconds() + 14)
            assert digest_posts(server) == []
            assert await ask(server, "briefs")  # answers go on meanwhile
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        await server.wait_for(lambda: digest_posts(server), 30)
        await asyncio.sleep(1.0)
        assert len(digest_posts(server)) == 1
    # Taking due digests from the schedule is itself a write: it is the scheduler's cycle that waits.
    assert "the store is unavailable (database is locked); trying again" in bot.log()
