"""Digest benchmark: 1,000 servers due in one minute under a 50 requests/s limit, memory, scheduler cost."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.__main__ import ROOT, Bot
from bot.core.answers import Briefer
from bot.core.content import Content, load
from bot.digest import DigestScheduler
from bot.store import SQLiteStore
from tests.e2e.discord_server import LoopbackDiscord

FIRST_CHANNEL = 710000000000000000
CONTENT = {"BRIEFS_DIR": str(ROOT / "briefs"), "LOCALES_DIR": str(ROOT / "locales")}


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def configure(path: Path, servers: int, due: dt.datetime, spread: bool) -> None:
    """Write digest settings for many servers straight into the bot's database."""
    store = await SQLiteStore.open(f"sqlite:///{path}")
    for guild in range(1, servers + 1):
        when = due if not spread else due + dt.timedelta(minutes=1 + guild % 1440)
        await store.set_digest(guild, FIRST_CHANNEL + guild, when.strftime("%H:%M"), "UTC", when)
    await store.close()


async def delivery(servers: int) -> str:
    """Every server due at the same instant; count what arrives and how long the last one takes."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-digest-"))
    db = workdir / "bot.sqlite3"
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=8)).replace(microsecond=0)
    await configure(db, servers, due, spread=False)
    channels = tuple(FIRST_CHANNEL + g for g in range(1, servers + 1))
    async with LoopbackDiscord(global_rate_limit=50, channels=channels) as server:
        bot = Bot(
            "digest", [sys.executable, "-m", "bot"], {"DATABASE_URL": f"sqlite:///{db}", **CONTENT}, workdir
        )
        await bot.start(server)
        await server.wait_for(
            lambda: (
                len({r.path for r in server.requests if r.method == "POST" and "/channels/" in r.path})
                >= servers
            ),
            servers / 50 * 3 + 60,
        )
        await asyncio.sleep(2)  # anything late or doubled would show up now
        await bot.stop()
    posts = [r for r in server.requests if r.method == "POST" and "/channels/" in r.path]
    accepted = [m for m in server.messages if int(m["channel_id"]) in set(channels)]
    per_channel = Counter(m["channel_id"] for m in accepted)
    first = min(r.at for r in posts)
    last_ok = max(r.at for r in posts)
    elapsed = last_ok - first
    floor = servers / 50
    duplicates = sum(n - 1 for n in per_channel.values() if n > 1)
    lost = servers - len(per_channel)
    return (
        f"| {servers} servers due at once, loopback enforcing 50 requests/s | {elapsed:.1f} s "
        f"(floor {floor:.0f} s, {elapsed / floor:.2f}×; target ≤ 1.15×) | duplicates {duplicates}, lost {lost}, "
        f"429s {server.rate_limited} |"
    )


async def memory(servers: int) -> str:
    """Peak RSS of the briefing bot with many servers configured, against the bare bot."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    db = workdir / "bot.sqlite3"
    await configure(db, servers, dt.datetime.now(dt.UTC) + dt.timedelta(days=1), spread=True)
    async with LoopbackDiscord() as server:
        results = {}
        for bot in (
            Bot("bare", [sys.executable, str(ROOT / "bench" / "bare_bot.py")], {}, workdir),
            Bot(
                "digest",
                [sys.executable, "-m", "bot"],
                {"DATABASE_URL": f"sqlite:///{db}", **CONTENT},
                workdir,
            ),
        ):
            await bot.start(server)
            await server.wait_ready()
            await asyncio.sleep(3)
            assert bot.process is not None
            results[bot.name] = peak_rss_mb(bot.process.pid)
            await bot.stop()
    extra = results["digest"] - results["bare"]
    return (
        f"| peak RSS, {servers} servers configured | bare {results['bare']:.0f} MB, briefing "
        f"{results['digest']:.0f} MB: +{extra:.0f} MB (target ≤ +30 MB) | |"
    )


async def wake_cost(configured: int, due: int = 10, rounds: int = 50) -> float:
    """CPU milliseconds for one wake-up (find what is due, find the next due time) with `configured` servers."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-wake-"))
    now = dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC)
    store = await SQLiteStore.open(f"sqlite:///{workdir}/db.sqlite3")
    for guild in range(configured):
        when = now if guild < due else now + dt.timedelta(minutes=1 + guild % 1440)
        await store.set_digest(guild, guild, when.strftime("%H:%M"), "UTC", when)
    loaded = load(ROOT / "briefs", ROOT / "locales")
    assert isinstance(loaded, Content)
    scheduler = DigestScheduler(store, Briefer.serving(loaded), None, lambda: now)  # type: ignore[arg-type]
    started = time.process_time()
    for _ in range(rounds):
        scheduler._inflight.clear()
        await scheduler.enqueue_due()
        await store.next_digest_after(now)
        while not scheduler._queue.empty():
            scheduler._queue.get_nowait()
    cost = (time.process_time() - started) / rounds * 1000
    await store.close()
    return cost


async def run() -> str:
    """All digest measurements as Markdown rows."""
    rows = [await delivery(1000), await memory(10_000)]
    small, large = await wake_cost(10), await wake_cost(10_000)
    rows.append(
        f"| scheduler CPU per wake-up, 10 due | {small:.2f} ms with 10 configured, {large:.2f} ms with "
        f"10,000 configured | |"
    )
    header = f"{os.cpu_count()} cores.\n\n| measure | result | |\n|---|---|---|\n"
    return header + "\n".join(rows)


if __name__ == "__main__":
    print(asyncio.run(run()))
