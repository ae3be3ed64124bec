"""Start to first answer: process start until the first /summary is answered correctly, bot against bare bot.

A user feels start-up as the time until the bot answers, not until it has connected: this starts each
process against the same loopback Discord, sends /summary every 20 ms from the moment the gateway is up,
and stops the clock at the first callback that carries the expected answer. Phases alternate (bare, ours,
bare, ours) so drift on a shared machine lands on both sides.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.discord_server import LoopbackDiscord

ROOT = Path(__file__).resolve().parent.parent


async def first_answer(
    server: LoopbackDiscord, argv: list[str], env: dict[str, str], expect: str, log: Path
) -> float:
    """Seconds from starting the process to the first correct /summary callback."""
    environ = {**os.environ, **env, **server.env(), "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    started = time.monotonic()
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=log.parent, env=environ, stdout=out, stderr=out
        )
    try:
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"{argv} exited; see {log}")
            handle = await server.command("summary")
            try:
                callback = await handle.response(timeout=0.02)
            except TimeoutError:
                continue
            if expect in str(callback.body):
                return callback.at - started
    finally:
        process.terminate()
        await process.wait()


async def measure(starts: int, briefs: Path, locales: Path) -> dict[str, list[float]]:
    """Alternate starts of the bare bot and ours; return each one's start-to-answer times."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-start-"))
    results: dict[str, list[float]] = {"bare": [], "briefing": []}
    ours_env = {
        "BRIEFS_DIR": str(briefs),
        "LOCALES_DIR": str(locales),
        "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
        "RELOAD_INTERVAL": "0",
    }
    for _ in range(starts):
        async with LoopbackDiscord() as server:
            bare = [sys.executable, str(ROOT / "bench" / "bare_bot.py")]
            results["bare"].append(
                await first_answer(server, bare, {}, "A fixed answer.", workdir / "bare.log")
            )
        async with LoopbackDiscord() as server:
            ours = [sys.executable, "-m", "bot"]
            results["briefing"].append(
                await first_answer(server, ours, ours_env, "Source:", workdir / "bot.log")
            )
    return results


def report(results: dict[str, list[float]], label: str, target: float) -> str:
    """One Markdown row: medians, ratio, target."""
    bare, ours = statistics.median(results["bare"]), statistics.median(results["briefing"])
    ratio = ours / bare
    verdict = "met" if ratio <= target else "NOT met"
    return f"| start → first /summary, {label} | median | {bare * 1000:.0f} ms | {ours * 1000:.0f} ms | {ratio:.2f}× | ≤ {target:.2f}× {verdict} |"


def main() -> None:
    """Measure with the shipped content and print the row."""
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--starts", type=int, default=6)
    args = parser.parse_args()
    results = asyncio.run(measure(args.starts, ROOT / "briefs", ROOT / "locales"))
    print(report(results, "shipped content", 1.30))
    print({k: [round(v, 3) for v in vs] for k, vs in results.items()})


if __name__ == "__main__":
    main()
