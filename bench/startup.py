"""Start to first answer: process start until the first /summary is answered correctly, bot against bare bot.

A user feels start-up as the time until the bot answers, not until it has connected: this starts each
process against the same loopback Discord, sends /summary every 20 ms from the moment the gateway is up,
and stops the clock at the first callback that carries the expected answer. Phases alternate (bare, ours,
bare, ours) so drift on a shared machine lands on both sides.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
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
    environ = {**os.environ, "LOG_LEVEL": "WARNING", **env, **server.env(), "PYTHONPATH": str(ROOT)}
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


Results = dict[str, list[float]]


async def measure(starts: int, briefs: Path, locales: Path) -> tuple[Results, list[dict[str, float]]]:
    """Alternate starts of the bare bot and ours; each one's start-to-answer times, and our logged steps.

    Our first start builds the content cache ("cold"); the others read it, as every restart does.
    """
    workdir = Path(tempfile.mkdtemp(prefix="bench-start-"))
    results: Results = {"bare": [], "cold": [], "briefing": []}
    ours_env = {
        "BRIEFS_DIR": str(briefs),
        "LOCALES_DIR": str(locales),
        "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
        "CONTENT_CACHE": str(workdir / "cache"),
        "RELOAD_INTERVAL": "0",
        "LOG_LEVEL": "INFO",  # for the start-up line; nothing else is logged on the way to it
    }
    for index in range(starts + 1):
        if index > 0:
            async with LoopbackDiscord() as server:
                bare = [sys.executable, str(ROOT / "bench" / "bare_bot.py")]
                results["bare"].append(
                    await first_answer(server, bare, {}, "A fixed answer.", workdir / "bare.log")
                )
        async with LoopbackDiscord() as server:
            ours = [sys.executable, "-m", "bot"]
            results["briefing" if index else "cold"].append(
                await first_answer(server, ours, ours_env, "Source:", workdir / "bot.log")
            )
    return results, logged_steps(workdir / "bot.log")[1:]


def logged_steps(log: Path) -> list[dict[str, float]]:
    """Each start's steps from the bot's own `start-up:` log line, in milliseconds."""
    found = []
    for line in log.read_text(encoding="utf-8").splitlines():
        if match := re.search(r"start-up: answering \d+ ms after main\(\) \((.*); in ms\)", line):
            steps = (part.rsplit(" ", 1) for part in match[1].split(", "))
            found.append({name: float(ms) for name, ms in steps})
    return found


# Each group's import measured on top of the ones before it, in a fresh interpreter, with the collector
# paused as `python -m bot` does.
IMPORT_GROUPS = (
    ("discord.py (the bare bot imports it too)", "import discord, discord.ext.commands"),
    ("pydantic and pydantic-settings", "import pydantic_settings"),
    ("our core: content, answers, digest, store", "import bot.config, bot.core.answers, bot.store"),
    ("our Discord adapter: cogs, views, wiring", "import bot.discord.runner, bot.discord.extension"),
)
PROBE = """
import gc, json, time
gc.disable()
marks = [time.perf_counter()]
{imports}
print(json.dumps([b - a for a, b in zip(marks, marks[1:])]))
"""


def import_costs(repeats: int) -> list[tuple[str, float]]:
    """Median milliseconds of each import group, and of starting the interpreter itself."""
    imports = "\n".join(f"{statement}\nmarks.append(time.perf_counter())" for _, statement in IMPORT_GROUPS)
    runs: list[list[float]] = []
    interpreter: list[float] = []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(repeats):
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)
        interpreter.append(time.monotonic() - started)
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(imports=imports)], check=True, env=env, capture_output=True
        )
        runs.append(json.loads(out.stdout))
    costs = [("interpreter start (both bots)", statistics.median(interpreter) * 1000)]
    for index, (label, _) in enumerate(IMPORT_GROUPS):
        costs.append((label, statistics.median(run[index] for run in runs) * 1000))
    return costs


def report(results: Results, label: str, target: float) -> str:
    """One Markdown row: medians, ratio, target."""
    bare, ours = statistics.median(results["bare"]), statistics.median(results["briefing"])
    ratio = ours / bare
    verdict = "met" if ratio <= target else "NOT met"
    return (
        f"| start → first /summary, {label} | median of {len(results['briefing'])} | {bare * 1000:.0f} ms "
        f"| {ours * 1000:.0f} ms | {ratio:.2f}× | ≤ {target:.2f}× {verdict} |"
    )


def breakdown(results: Results, steps: list[dict[str, float]], imports: list[tuple[str, float]]) -> str:
    """Where our start's time goes: imports measured apart, then the steps the bot logs after them."""
    rows = [f"| import: {label} | {ms:.0f} ms |" for label, ms in imports]
    names = list(dict.fromkeys(name for start in steps for name in start))
    explained = {
        "settings": "read settings (and import what they need)",
        "discord.py": "import discord.py and the adapter",
        "extension": "log in, load the extension's modules",
        "content": "content: read the compiled cache (or build it)",
        "store": "open the store, migrate",
        "commands": "cogs, translator, command sync check",
        "gateway": "connect to the gateway until READY",
    }
    for name in names:
        ms = statistics.median(start[name] for start in steps if name in start)
        rows.append(f"| step logged by the bot: {explained.get(name, name)} | {ms:.0f} ms |")
    bare = statistics.median(results["bare"]) * 1000
    ours = statistics.median(results["briefing"]) * 1000
    settings_import = next(ms for label, ms in imports if label.startswith("pydantic"))
    return (
        "| where the time goes (medians) | ms |\n|---|---|\n"
        + "\n".join(rows)
        + f"\n\nCold start (the content cache built first): {statistics.median(results['cold']) * 1000:.0f} ms."
        f" The settings library alone costs {settings_import:.0f} ms to import: a bare bot that only added it "
        f"would start in about {bare + settings_import:.0f} ms, {(bare + settings_import) / bare:.2f}× its own "
        f"{bare:.0f} ms, against our {ours:.0f} ms."
    )


def main() -> None:
    """Measure with the shipped content and print the row and the breakdown."""
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--starts", type=int, default=6)
    args = parser.parse_args()
    results, steps = asyncio.run(measure(args.starts, ROOT / "briefs", ROOT / "locales"))
    print(report(results, "shipped content", 1.30))
    print()
    print(breakdown(results, steps, import_costs(args.starts)))


if __name__ == "__main__":
    main()
