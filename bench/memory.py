"""Peak memory with 10,000 servers configured (SQLite, a digest each), against the bare bot, in one run."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import sys
import tempfile
from pathlib import Path

from bot.store import SQLiteStore
from tests.e2e.discord_server import LoopbackDiscord

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def configure(path: Path, servers: int) -> None:
    """A digest per server, spread over the day, written in the store's own schema."""
    await (await SQLiteStore.open(f"sqlite:///{path}")).close()
    start = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    rows = []
    for g in range(1, servers + 1):
        when = start + dt.timedelta(minutes=g % 1440)
        rows.append((g, g + 10**9, when.strftime("%H:%M"), "UTC", when.isoformat(timespec="seconds")))
    db = sqlite3.connect(path)
    db.executemany(
        "INSERT INTO digest (guild_id, channel_id, at, zone, next_due) VALUES (?, ?, ?, ?, ?)", rows
    )
    db.commit()
    db.close()


def rss_mb(pid: int) -> float:
    """A process's resident memory now (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(servers: int = 10_000) -> str:
    """Peak and current RSS of both bots, three seconds after READY.

    Ours starts once first to build its content cache, as a deployment's first start does; the restart,
    which reads the cache as every later start does, is the one measured.
    """
    workdir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    db = workdir / "bot.sqlite3"
    await configure(db, servers)
    env = {
        "DATABASE_URL": f"sqlite:///{db}",
        "BRIEFS_DIR": str(ROOT / "briefs"),
        "LOCALES_DIR": str(ROOT / "locales"),
        "CONTENT_CACHE": str(workdir / "cache"),
        "RELOAD_INTERVAL": "0",
    }
    from bench.scale import BARE, OURS, start_and_hold  # noqa: PLC0415 - scale imports this module

    results: dict[str, tuple[float, float]] = {}
    for name, argv, environ in (("first", OURS, env), ("bare", BARE, {}), ("briefing", OURS, env)):
        async with LoopbackDiscord() as server:
            process = await start_and_hold(server, argv, environ, workdir / f"{name}.log")
            await asyncio.sleep(3)
            results[name] = (peak_rss_mb(process.pid), rss_mb(process.pid))
            process.terminate()
            await process.wait()
    (bare_peak, bare_now), (peak, now) = results["bare"], results["briefing"]
    extra = peak - bare_peak
    verdict = "met" if extra <= 20 else "NOT met"
    return (
        f"| peak RSS, {servers:,} servers configured (SQLite) | bare {bare_peak:.1f} MB, briefing {peak:.1f} MB: "
        f"+{extra:.1f} MB (now: +{now - bare_now:.1f} MB; first start, building the cache: peak "
        f"{results['first'][0]:.1f} MB) | ≤ +20 MB {verdict} |"
    )


if __name__ == "__main__":
    print(asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)))
