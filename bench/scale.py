"""Content at scale: a synthetic newsroom (1,000 cards, 10,000 names) against the bare bot, in one run.

Measures start to first answer (cache cold and warm), `python -m bot check`, a reload's time and the
longest any interaction waited during it, peak memory, person autocomplete, and /briefs with every story.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

from bench.__main__ import (
    SETTLE,
    collector_paused,
    command_sends,
    in_turns,
    keystroke_sends,
    settle_collector,
)
from bench.cores import pin_bot, pinned
from bench.keystrokes import keystrokes
from bench.memory import peak_rss_mb
from bench.newsroom import generate
from bench.startup import first_answer
from tests.e2e.discord_server import LoopbackDiscord, embeds_of

ROOT = Path(__file__).resolve().parent.parent
BARE = [sys.executable, str(ROOT / "bench" / "bare_bot.py")]
OURS = [sys.executable, "-m", "bot"]


def quantile(values: list[float], q: float) -> float:
    """The q-quantile, in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


async def start_and_hold(
    server: LoopbackDiscord, argv: list[str], env: dict[str, str], log: Path
) -> asyncio.subprocess.Process:
    """Start a bot and wait until the server has seen it identify and get READY."""
    environ = {**os.environ, **env, **server.env(), "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    before = server.identifies
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=log.parent, env=environ, stdout=out, stderr=out
        )
    pin_bot(process.pid)
    await server.wait_for(lambda: server.identifies > before or process.returncode is not None, 120)
    await server.wait_ready(60)
    await asyncio.sleep(0.5)
    return process


async def reload_waits(server: LoopbackDiscord, expect: str) -> tuple[float | None, list[float]]:
    """Ask for story 1 until its answer holds `expect`: seconds until then, and each answer's wait."""
    changed_at = time.monotonic()
    waits, served = [], None
    while served is None and time.monotonic() - changed_at < 120:
        handle = await server.command("summary", {"story": "story-00001"})
        callback = await handle.response(timeout=30)
        waits.append(callback.at - handle.sent_at)
        if expect in str(callback.body):
            served = time.monotonic() - changed_at
        await asyncio.sleep(0.01)
    return served, waits


ROUNDS = 3  # autocomplete rounds, each on new processes


class Served(NamedTuple):
    """What the newsroom's last process served after its autocomplete round."""

    footer: str  # of /briefs' first page
    story_choices: dict[str, Any]  # the autocomplete callback for the story option
    served: float | None  # seconds from saving a card to serving it
    waits: list[float]  # every answer's wait meanwhile
    renamed: float | None  # the same for a renamed person in the glossary
    renamed_waits: list[float]
    rss: float  # peak RSS in MB after the first reload
    rss_renamed: float  # and after the glossary reload


async def served_at_scale(
    server: LoopbackDiscord, process: asyncio.subprocess.Process, briefs: Path, locales: Path
) -> Served:
    """/briefs and story choices, then two reloads timed with every answer meanwhile, and peak RSS."""
    briefs_reply = await (await server.command("briefs")).response()
    footer = embeds_of(briefs_reply.body)[0]["footer"]["text"]
    story_choices = (
        await (await server.command("summary", {"story": "story"}, focused="story")).response()
    ).body
    # A reload: change one card, then keep asking until the change is served, timing every answer.
    target = briefs / "story-00001.toml"
    card = target.read_text(encoding="utf-8")
    target.write_text(card.replace("story 1 unfolds", "story 1 changes"), encoding="utf-8")
    served, waits = await reload_waits(server, "changes")
    rss = peak_rss_mb(process.pid)
    # Then rename the story's lead in the glossary: every card is checked against the new glossary.
    lead = re.search(r'en = "\{(person-\d+)\} leaves', card)
    assert lead is not None, "the newsroom's cards name their lead first"
    glossary = locales / "glossary.toml"
    entry = f'id = "{lead[1]}"\nkind = "person"\nen = "'
    glossary.write_text(
        glossary.read_text(encoding="utf-8").replace(entry, entry + "Renamed "), encoding="utf-8"
    )
    renamed, renamed_waits = await reload_waits(server, "Renamed")
    return Served(footer, story_choices, served, waits, renamed, renamed_waits, rss, peak_rss_mb(process.pid))


async def run(cards: int, names: int, count: int) -> str:
    """Every measurement, as Markdown rows."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    briefs, locales = generate(workdir / "newsroom", cards, names)
    settle_collector()
    env = {
        "BRIEFS_DIR": str(briefs),
        "LOCALES_DIR": str(locales),
        "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
        "CONTENT_CACHE": str(workdir / "cache"),
        "RELOAD_INTERVAL": "1",
    }
    rows = []

    started = time.monotonic()
    check = await asyncio.create_subprocess_exec(
        *OURS,
        "check",
        cwd=workdir,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await check.wait()
    check_time = time.monotonic() - started
    rows.append(f"| `python -m bot check` | {check_time:.1f} s (exit {check.returncode}) | | |")

    starts: dict[str, list[float]] = {"bare": [], "cold": [], "warm": []}
    for round_ in range(3):
        async with LoopbackDiscord() as server:
            starts["bare"].append(
                await first_answer(server, BARE, {}, "A fixed answer.", workdir / "bare.log")
            )
        if round_ == 0:
            for stale in (workdir / "cache").glob("*"):  # the check above built it: start cold
                stale.unlink()
        async with LoopbackDiscord() as server:
            key = "cold" if round_ == 0 else "warm"
            starts[key].append(await first_answer(server, OURS, env, "Source:", workdir / "bot.log"))
    bare = statistics.median(starts["bare"])
    for key, label in (("cold", "first start (cache built)"), ("warm", "restart (cache read)")):
        ours = statistics.median(starts[key])
        rows.append(
            f"| start → first /summary, {label} | {bare * 1000:.0f} ms bare, {ours * 1000:.0f} ms ours | "
            f"{ours / bare:.2f}× | ≤ 2× {verdict(ours / bare <= 2)} |"
        )

    # Autocomplete in rounds, each on new processes: within a round both bots run, against a loopback
    # Discord each, and take turns with the same keystrokes; other readers' keystrokes in the next
    # round. Our last process goes on to the reload and memory measures.
    bare_complete: list[float] = []
    ours_complete: list[float] = []
    per_round: list[str] = []
    with pinned() as where:  # the reload and memory measures too: they run on the last round's bot
        for round_ in range(ROUNDS):
            typed = keystrokes(locales / "glossary.toml", count, seed=round_ + 1)
            async with LoopbackDiscord() as bare_server, LoopbackDiscord() as server:
                bare_process = await start_and_hold(bare_server, BARE, {}, workdir / "bare.log")
                process = await start_and_hold(server, OURS, env, workdir / "bot.log")
                await asyncio.sleep(SETTLE)
                with collector_paused():
                    servers = {"bare": bare_server, "ours": server}
                    pids = {"bare": bare_process.pid, "ours": process.pid}
                    lead_in = command_sends(servers, "summary")
                    turns = await in_turns(keystroke_sends(servers, typed), len(typed), lead_in, pids)
                bare_rss = peak_rss_mb(bare_process.pid)
                bare_process.terminate()
                await bare_process.wait()
                if round_ == ROUNDS - 1:
                    with collector_paused():
                        newsroom = await served_at_scale(server, process, briefs, locales)
                process.terminate()
                await process.wait()
            bare_round, ours_round = turns["bare"], turns["ours"]
            bare_complete += bare_round
            ours_complete += ours_round
            per_round.append(f"{quantile(ours_round, 0.99) / quantile(bare_round, 0.99):.2f}×")
    footer, story_choices, served, waits, renamed, renamed_waits, rss, rss_renamed = newsroom
    p99_bare, p99_ours = quantile(bare_complete, 0.99), quantile(ours_complete, 0.99)
    rows.append(
        f"| /people autocomplete, {names:,} names | p99 {p99_bare:.1f} ms bare, {p99_ours:.1f} ms ours "
        f"(p50 {quantile(bare_complete, 0.5):.1f} / {quantile(ours_complete, 0.5):.1f}, max {max(bare_complete) * 1000:.1f} / "
        f"{max(ours_complete) * 1000:.1f}; p99 per round {' / '.join(per_round)}) | {p99_ours / p99_bare:.2f}× "
        f"| ≤ 1.30× {verdict(p99_ours / p99_bare <= 1.3)} |"
    )
    for what, after, during in (
        (f"one changed card among {cards:,}", served, waits),
        (f"a renamed person among {names:,} names", renamed, renamed_waits),
    ):
        rows.append(
            f"| reload of {what} | served {after if after is None else f'{after:.1f} s'} after the save "
            f"(RELOAD_INTERVAL 1 s); longest wait of {len(during)} interactions meanwhile {max(during) * 1000:.0f} ms | | "
            f"≤ 50 ms {verdict(max(during) <= 0.05)} |"
        )
    rows.append(
        f"| peak RSS | bare {bare_rss:.0f} MB, ours {rss:.0f} MB: +{rss - bare_rss:.0f} MB "
        f"(+{rss_renamed - bare_rss:.0f} MB after the glossary reload too) | | "
        f"≤ +80 MB {verdict(rss - bare_rss <= 80)} |"
    )
    choices = story_choices["data"]["choices"]
    rows.append(
        f"| /briefs with {cards + 2:,} stories | first page footer: “{footer}”; story autocomplete: {len(choices)} choices | | |"
    )
    header = (
        f"{cards:,} cards and {names:,} names from `bench/newsroom.py`; {os.cpu_count()} cores (starts unpinned; "
        f"autocomplete, reload and memory: {where}); {count} autocomplete "
        f"keystrokes per round, {ROUNDS} rounds, the bots taking turns within each as in `bench/__main__.py`; starts are medians of 3 (cold: 1).\n\n| measure | result | ratio | target |\n|---|---|---|---|\n"
    )
    return header + "\n".join(rows)


def main() -> None:
    """Generate the newsroom, measure, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--names", type=int, default=10000)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    print(asyncio.run(run(args.cards, args.names, args.count)))


if __name__ == "__main__":
    main()
