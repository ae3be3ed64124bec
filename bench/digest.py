"""Digest benchmark: 1,000 servers due at once under a 50 requests/s limit, by one and by two processes
sharing PostgreSQL; the scheduler's work per wake-up and the start-up time with 1,000 and 100,000 servers."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import asyncpg

from bench.__main__ import ROOT, Bot
from bot.core.answers import Briefer
from bot.core.content import Content, load
from bot.digest import DigestScheduler
from bot.store.postgres import PostgresStore
from tests.e2e.discord_server import LoopbackDiscord
from tests.postgres import fresh_database

CONTENT = {"BRIEFS_DIR": str(ROOT / "briefs"), "LOCALES_DIR": str(ROOT / "locales"), "RELOAD_INTERVAL": "0"}
LIMIT = 50  # Discord's global limit, enforced by the loopback server


def guild(k: int) -> int:
    """The k-th benchmark server: consecutive ones alternate between shard 0 and shard 1 of two."""
    return (k << 22) + 1


async def configure(url: str, servers: int, due: dt.datetime, spread: bool) -> None:
    """Digest rows for many servers written straight into the database (the schema made by the store)."""
    await (await PostgresStore.open(url)).close()
    db = await asyncpg.connect(url)
    await db.execute(
        "INSERT INTO digest (guild_id, channel_id, at, zone, next_due) "
        "SELECT (g::bigint << 22) + 1, (g::bigint << 22) + 2, to_char(t, 'HH24:MI'), 'UTC', t FROM ("
        "SELECT g, $1::timestamptz + CASE WHEN $3 THEN (g % 1440 + 1) * interval '1 minute' "
        "ELSE interval '0' END AS t FROM generate_series(1, $2) g) s",
        due,
        servers,
        spread,
    )
    await db.close()


def busiest_second(times: list[float]) -> int:
    """The most requests seen in any one-second window."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def delivery(servers: int, processes: int, rate: float) -> str:
    """Every server due at one instant, posted by `processes` bot processes sharing one database."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-digest-"))
    guilds = tuple(guild(k) for k in range(1, servers + 1))
    async with (
        fresh_database() as url,
        LoopbackDiscord(global_rate_limit=LIMIT, guilds=guilds, shards=processes) as server,
    ):
        due = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=12)).replace(microsecond=0)
        await configure(url, servers, due, spread=False)
        env = {"DATABASE_URL": url, "DIGEST_RATE": str(rate), **CONTENT}
        bots = []
        for n in range(processes):
            shards = {"SHARD_COUNT": str(processes), "SHARD_IDS": str(n)} if processes > 1 else {}
            bots.append(Bot(f"digest-{n}", [sys.executable, "-m", "bot"], {**env, **shards}, workdir))
        for bot in bots:
            await bot.start(server)
        channels = {g + 1 for g in guilds}

        def posted() -> set[str]:
            return {m["channel_id"] for m in server.messages if int(m["channel_id"]) in channels}

        await server.wait_for(lambda: len(posted()) >= servers, servers / LIMIT * 3 + 60)
        await asyncio.sleep(3)  # anything late or doubled would show up now
        for bot in bots:
            await bot.stop()
    posts = [r for r in server.requests if r.method == "POST" and "/channels/" in r.path]
    per_channel = Counter(m["channel_id"] for m in server.messages if int(m["channel_id"]) in channels)
    elapsed = max(r.at for r in posts) - min(r.at for r in posts)
    floor = servers / LIMIT
    duplicates = sum(n - 1 for n in per_channel.values() if n > 1)
    lost = servers - len(per_channel)
    first, last = min(r.at for r in posts), max(r.at for r in posts)
    during = [
        r.at for r in server.requests if first - 1 <= r.at <= last + 1
    ]  # every REST call, all processes
    return (
        f"| {servers} servers due at once, {processes} process{'es' if processes > 1 else ''}, "
        f"DIGEST_RATE={rate:g} | {elapsed:.1f} s (floor {floor:.0f} s, {elapsed / floor:.2f}×) | "
        f"{duplicates} | {lost} | {busiest_second(during)} | {server.rate_limited} |"
    )


async def wake_cost(configured: int, due: int = 10, rounds: int = 30) -> tuple[float, float]:
    """One wake-up (lease what is due, find the next due time) with `configured` servers in PostgreSQL:
    the bot's CPU milliseconds and the wall milliseconds, database included."""
    now = dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC)
    async with fresh_database() as url:
        await configure(url, configured, now + dt.timedelta(minutes=1), spread=True)
        db = await asyncpg.connect(url)
        await db.execute(
            "UPDATE digest SET next_due = $1 WHERE guild_id IN (SELECT guild_id FROM digest LIMIT $2)",
            now,
            due,
        )
        await db.execute("ANALYZE digest")
        store = await PostgresStore.open(url)
        loaded = load(ROOT / "briefs", ROOT / "locales")
        assert isinstance(loaded, Content)
        scheduler = DigestScheduler(store, Briefer.serving(loaded), None, lambda: now)  # type: ignore[arg-type]
        cpu = wall = 0.0
        for _ in range(rounds):
            started, started_cpu = time.perf_counter(), time.process_time()
            leased = await scheduler.enqueue_due()
            await store.next_digest_after(now)
            wall += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
            assert leased == due, leased
            scheduler._inflight.clear()
            while not scheduler._queue.empty():
                scheduler._queue.get_nowait()
            await db.execute(
                "UPDATE digest SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL"
            )
        await store.close()
        await db.close()
    return cpu / rounds * 1000, wall / rounds * 1000


async def start_up(configured: int, starts: int = 3) -> float:
    """Median seconds from starting a bot process to READY, with `configured` servers in its database."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-start-"))
    times = []
    async with fresh_database() as url, LoopbackDiscord() as server:
        await configure(url, configured, dt.datetime.now(dt.UTC) + dt.timedelta(days=1), spread=True)
        for n in range(starts):
            bot = Bot(f"start-{n}", [sys.executable, "-m", "bot"], {"DATABASE_URL": url, **CONTENT}, workdir)
            times.append(await bot.start(server))
            await bot.stop()
    return sorted(times)[len(times) // 2]


async def run() -> str:
    """All digest measurements as Markdown, measured in this one run."""
    rows = [
        await delivery(1000, 1, 45),
        await delivery(1000, 2, 45),
        await delivery(1000, 2, 48),
    ]
    small, large = await wake_cost(1_000), await wake_cost(100_000)
    boot_small, boot_large = await start_up(1_000), await start_up(100_000)
    header = (
        f"{os.cpu_count()} cores, PostgreSQL on the same machine.\n\n"
        "| delivery | time to deliver all | duplicates | lost | busiest second (requests, all processes) | 429s |\n"
        "|---|---|---|---|---|---|\n"
    )
    scale = (
        "\n\n| with servers configured in PostgreSQL | 1,000 | 100,000 |\n|---|---|---|\n"
        f"| one scheduler wake-up, 10 due: bot CPU | {small[0]:.2f} ms | {large[0]:.2f} ms |\n"
        f"| one scheduler wake-up, 10 due: wall, database included | {small[1]:.2f} ms | {large[1]:.2f} ms |\n"
        f"| start-up, process start to READY (median of 3) | {boot_small:.2f} s | {boot_large:.2f} s |"
    )
    return header + "\n".join(rows) + scale


if __name__ == "__main__":
    print(asyncio.run(run()))
