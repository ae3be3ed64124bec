"""Latency and start-up of the briefing bot against a bare discord.py bot, against loopback Discords, one run.

Run with `make bench`. Each bot is a real process talking to a loopback Discord of its own; in each round
every bot is started again, and they take turns of a few dozen interactions, so drift on a shared
machine lands on all of them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from bench.cores import pin_bot, pinned
from bench.keystrokes import keystrokes
from tests.e2e.discord_server import InteractionHandle, LoopbackDiscord
from tests.postgres import fresh_database

ROOT = Path(__file__).resolve().parent.parent
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂华建国志文博宇浩然子轩思雨欣怡俊杰晨阳凯鑫彬原"


def grown_locales(workdir: Path, size: int) -> Path:
    """The real locales with the glossary grown to `size` entries of made-up people (a fixed seed)."""
    from pypinyin import Style, pinyin  # noqa: PLC0415

    from bot.core.text import to_traditional  # noqa: PLC0415

    target = workdir / "locales"
    shutil.copytree(ROOT / "locales", target, ignore=shutil.ignore_patterns("*.mo"))
    rng = random.Random(1)
    text = (target / "glossary.toml").read_text(encoding="utf-8")
    existing = text.count("[[entry]]")
    extra = []
    for i in range(size - existing):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        syllables = [s[0] for s in pinyin(name, style=Style.TONE)]
        plain = [s[0] for s in pinyin(name, style=Style.NORMAL)]
        english = f"{plain[0].title()} {''.join(plain[1:]).title()}"
        extra.append(
            f'[[entry]]\nid = "bench-person-{i}"\nkind = "person"\nen = "{english}"\n'
            f'zh-Hans = "{name}"\nzh-Hant = "{to_traditional(name)}"\npinyin = "{" ".join(syllables)}"\n'
            f'confidence = "likely"\nsource = "benchmark filler"\n'
        )
    (target / "glossary.toml").write_text(text + "\n" + "\n".join(extra), encoding="utf-8")
    return target


def grown_briefs(workdir: Path, size: int) -> Path:
    """The real cards plus one card that lists every filler person, so autocomplete searches them all."""
    target = workdir / "briefs"
    shutil.copytree(ROOT / "briefs", target)
    people = "\n".join(
        f'[[people]]\nref = "bench-person-{i}"\nrole = {{ en = "Filler.", zh-Hans = "填充。" }}'
        for i in range(size)
    )
    (target / "bench.toml").write_text(
        'id = "bench"\nkind = "report"\npublished = "2000-01-01"\n[source]\noutlet = "biteye"\ndate = "2000"\n'
        '[title]\nen = "Bench"\nzh-Hans = "基准"\n[summary]\nen = "Bench. Bench. Bench."\nzh-Hans = "基准。"\n'
        '[[points]]\nheading = { en = "P", zh-Hans = "要点" }\ntext = { en = "T.", zh-Hans = "文字。" }\n'
        + people,
        encoding="utf-8",
    )
    return target


class Bot:
    """A bot process under measurement."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.workdir = workdir
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, server: LoopbackDiscord) -> float:
        """Start the process and return seconds until the loopback server has sent it READY."""
        before = server.identifies
        started = time.monotonic()
        environ = {**os.environ, **self.env, **server.env(), "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
        log = (self.workdir / f"{self.name}.log").open("ab")
        self.process = await asyncio.create_subprocess_exec(
            *self.argv, cwd=self.workdir, env=environ, stdout=log, stderr=log
        )
        log.close()
        pin_bot(self.process.pid)
        process = self.process
        await server.wait_for(lambda: server.identifies > before or process.returncode is not None, 120)
        if process.returncode is not None:
            raise RuntimeError(f"{self.name} exited at start-up; see {self.workdir / self.name}.log")
        return time.monotonic() - started

    @property
    def pid(self) -> int:
        """The running process's id."""
        assert self.process is not None
        return self.process.pid

    async def stop(self) -> None:
        """Stop with SIGTERM and wait."""
        assert self.process is not None
        self.process.terminate()
        await self.process.wait()


def settle_collector() -> None:
    """Freeze what this process has made so far out of the collector's view.

    The loopback Discord runs in this process, so a pause of its own is timed as the bot's: making the
    content imported pypinyin's dictionaries, and a full collection over them stalled it for 30 ms.
    """
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """This process's collector off while a bot is timed; what the timing kept is then frozen.

    The loopback Discord keeps every request and callback it sees; over a run that is hundreds of
    thousands of objects, and a full collection over them stalled the harness for 40 ms, timed as a
    wait of whichever bot was being measured.
    """
    gc.disable()
    try:
        yield
    finally:
        settle_collector()
        gc.enable()


# Interactions per bot per turn, and the pause before each turn. A shared machine speeds up and slows
# down over seconds: bots taking turns of a few dozen interactions each meet the same slow moments, where
# a round of a few seconds per bot gave each its own.
TURN = 25
BEFORE_TURN = 0.005
LEAD_IN = 2  # untimed interactions opening each turn: with one, the first timed was still the slowest
# Start-up is not over at READY: our reload watch's first look, one RELOAD_INTERVAL (2 s) after the
# start, loads watchfiles (about 18 ms). Latency is timed once that is done.
SETTLE = 2.5

Send = Callable[[int], Awaitable[InteractionHandle]]


async def in_turns(
    sends: dict[str, Send], count: int, lead_in: dict[str, Send], pids: dict[str, int]
) -> dict[str, list[float]]:
    """Seconds from INTERACTION_CREATE to callback, `count` per bot, the bots taking turns.

    `sends[bot](i)` sends a bot its i-th interaction. The bots share a core, so only the one whose turn
    it is runs: the others are stopped (SIGSTOP), and neither their timers nor what they do after their
    last callback can land on its timing; what they had left to do, they do in the pause before their
    next turn. Each turn opens with `lead_in[bot]`, untimed, LEAD_IN times: the first interaction after
    a pause wakes a process and its caches, which a bot answering one interaction after another never
    pays. Each turn starts with the next bot, so none is always the first.
    """
    names = list(sends)
    results: dict[str, list[float]] = {name: [] for name in names}
    for pid in pids.values():
        os.kill(pid, signal.SIGSTOP)
    try:
        for turn, first in enumerate(range(0, count, TURN)):
            shift = turn % len(names)
            for name in names[shift:] + names[:shift]:
                os.kill(pids[name], signal.SIGCONT)
                await asyncio.sleep(BEFORE_TURN)
                for _ in range(LEAD_IN):
                    await (await lead_in[name](0)).response(timeout=10)
                for index in range(first, min(first + TURN, count)):
                    handle = await sends[name](index)
                    callback = await handle.response(timeout=10)
                    results[name].append(callback.at - handle.sent_at)
                os.kill(pids[name], signal.SIGSTOP)
    finally:
        for pid in pids.values():
            with contextlib.suppress(ProcessLookupError):  # one that died is reported by its caller
                os.kill(pid, signal.SIGCONT)
    return results


async def clicked_message(
    server: LoopbackDiscord, command: str, options: dict[str, str] | None
) -> dict[str, Any]:
    """The message a command answers with, whose buttons the clicks press."""
    from tests.e2e.discord_server import components_message  # noqa: PLC0415

    callback = await (await server.command(command, options)).response(timeout=10)
    return components_message(callback, server)


def keystroke_sends(servers: dict[str, LoopbackDiscord], typed: list[str]) -> dict[str, Send]:
    """/people autocomplete, one keystroke of `typed` per interaction, for each bot."""

    def send(server: LoopbackDiscord) -> Send:
        return lambda i: server.command("people", {"name": typed[i]}, focused="name")

    return {name: send(server) for name, server in servers.items()}


async def saved_replies(server: LoopbackDiscord) -> dict[str, dict[str, object]]:
    """Our replies to what the benchmark asks, as the bare bot's control sends them again."""
    from tests.e2e.discord_server import components_message  # noqa: PLC0415

    saved: dict[str, dict[str, object]] = {}
    for name, (command, label, options) in (
        ("summary", CLICKS["language"]["briefing"]),
        ("people", CLICKS["page"]["briefing"]),
    ):
        reply = await (await server.command(command, options)).response(timeout=10)
        answer = await (await server.click(components_message(reply, server), label)).response(timeout=10)
        saved[name] = reply.body
        saved["language" if name == "summary" else "next"] = answer.body
    return saved


def p(values: list[float], q: float) -> float:
    """The q-quantile in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# What each bot is asked, per measure: ours and the bare bot's equivalent (the bare bot's buttons sit
# on its /buttons answer; its /summary stays a plain fixed string).
Ask = tuple[str, str, dict[str, str] | None]
CLICKS: dict[str, dict[str, Ask]] = {
    "language": {"bare": ("buttons", "简体中文", None), "briefing": ("summary", "简体中文", None)},
    "page": {"bare": ("buttons", "Next", None), "briefing": ("people", "Next", {"story": "bench"})},
}
LABELS = {
    "summary": "/summary, INTERACTION_CREATE → callback",
    "complete": "/people autocomplete",
    "language": "language button click → callback",
    "page": "Next button click → callback",
}
TARGETS = {"summary": (1.10, 1.20), "complete": (None, 1.20), "language": (1.10, 1.20), "page": (1.10, 1.20)}
Samples = dict[str, dict[str, list[list[float]]]]  # bot → measure → one list per round


def command_sends(servers: dict[str, LoopbackDiscord], name: str) -> dict[str, Send]:
    """The same slash command, once per interaction, for each bot."""

    def send(server: LoopbackDiscord) -> Send:
        return lambda _: server.command(name)

    return {bot: send(server) for bot, server in servers.items()}


async def click_sends(servers: dict[str, LoopbackDiscord], key: str) -> dict[str, Send]:
    """One button on one message per bot, clicked once per interaction (the bare bot's own buttons)."""

    def send(server: LoopbackDiscord, message: dict[str, Any], label: str) -> Send:
        return lambda _: server.click(message, label, settle=0.0)

    sends = {}
    for bot, server in servers.items():
        command, label, options = CLICKS[key]["bare" if bot == "bare" else "briefing"]
        sends[bot] = send(server, await clicked_message(server, command, options), label)
    # discord.py registers a message's view once the callback's HTTP response has reached it.
    await asyncio.sleep(0.3)
    return sends


async def measure_round(
    servers: dict[str, LoopbackDiscord],
    pids: dict[str, int],
    count: int,
    typed: list[str],
    samples: Samples,
    full: bool,
) -> None:
    """One round of every measure, the running bots taking turns; `full` False measures autocomplete only.

    The control ("same") is asked what ours is asked, and answers with our saved replies.
    """
    # Warm: first answers are built, later ones remembered. A remembered /summary opens every turn.
    summary = command_sends(servers, "summary")
    await in_turns(summary, 20, summary, pids)
    measured = {"complete": await in_turns(keystroke_sends(servers, typed), len(typed), summary, pids)}
    if full:
        measured["summary"] = await in_turns(summary, count, summary, pids)
        for key in CLICKS:
            measured[key] = await in_turns(await click_sends(servers, key), count, summary, pids)
    for key, per_bot in measured.items():
        for bot, seconds in per_bot.items():
            samples[bot][key].append(seconds)


def rows_for(samples: Samples, key: str, label: str, ours_name: str = "briefing") -> list[str]:
    """p50, p99 and max of one measure for both bots, with the target's verdict and p99 per round."""
    bare, ours = samples["bare"][key], samples[ours_name][key]
    pooled_bare, pooled_ours = list(itertools.chain(*bare)), list(itertools.chain(*ours))
    rows = []
    for stat, q, target in (("p50", 0.5, TARGETS[key][0]), ("p99", 0.99, TARGETS[key][1])):
        base, value = p(pooled_bare, q), p(pooled_ours, q)
        verdict = (
            "" if target is None else f"≤ {target:.2f}× {'met' if value / base <= target else 'NOT met'}"
        )
        rounds = " / ".join(f"{p(o, q) / p(b, q):.2f}×" for b, o in zip(bare, ours, strict=True))
        rows.append(
            f"| {label} | {stat} | {base:.2f} ms | {value:.2f} ms | {value / base:.2f}× | {rounds} | {verdict} |"
        )
    rows.append(
        f"| {label} | max | {max(pooled_bare) * 1000:.2f} ms | {max(pooled_ours) * 1000:.2f} ms | | | |"
    )
    return rows


async def run(count: int, rounds: int, glossary_sizes: list[int]) -> str:
    """Measure both bots and return a Markdown report."""
    with pinned() as where:
        return await _run(count, rounds, glossary_sizes, where)


async def _run(count: int, rounds: int, glossary_sizes: list[int], where: str) -> str:
    """`run`, with the harness pinned (`where` says how)."""
    rows = []
    ready: dict[str, list[float]] = {"bare": [], "briefing": []}
    for index, size in enumerate(glossary_sizes):
        full = index == 0  # commands and clicks once; autocomplete at every glossary size
        workdir = Path(tempfile.mkdtemp(prefix="bench-"))
        locales = grown_locales(workdir, size)
        briefs = grown_briefs(
            workdir, size - (ROOT / "locales" / "glossary.toml").read_text().count("[[entry]]")
        )
        bare = Bot("bare", [sys.executable, str(ROOT / "bench" / "bare_bot.py")], {}, workdir)
        content = {
            "BRIEFS_DIR": str(briefs),
            "LOCALES_DIR": str(locales),
            "CONTENT_CACHE": str(workdir / "cache"),
        }
        ours = Bot(
            "briefing",
            [sys.executable, "-m", "bot"],
            {**content, "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3"},
            workdir,
        )
        settle_collector()
        # The control: the bare bot with 25 fixed choices and, once ours has answered, our replies.
        same = Bot("same", bare.argv, {"BARE_CHOICES": "25"}, workdir)
        # Ours again, with the PostgreSQL store a deployment of several processes uses.
        shared = Bot("postgres", ours.argv, content, workdir)
        samples: Samples = {b.name: {key: [] for key in LABELS} for b in (bare, ours, same, shared)}
        bots = {b.name: b for b in ((bare, ours, same, shared) if full else (bare, ours))}
        async with contextlib.AsyncExitStack() as stack:
            if full:
                shared.env["DATABASE_URL"] = await stack.enter_async_context(fresh_database())
            # One loopback Discord per bot, so all can run at once and take turns.
            servers = {name: await stack.enter_async_context(LoopbackDiscord()) for name in bots}
            for round_ in range(rounds):
                # The same keystrokes for every bot in a round; other readers, typing other names, in the next.
                typed = keystrokes(locales / "glossary.toml", count, seed=round_ + 1)
                for name, bot in bots.items():  # started one at a time, so each start is timed alone
                    if bot is same and "BARE_REPLIES" not in same.env:
                        same.env["BARE_REPLIES"] = json.dumps(await saved_replies(servers[ours.name]))
                    seconds = await bot.start(servers[name])
                    if full and name in ready:
                        ready[name].append(seconds)
                    await servers[name].wait_ready()
                await asyncio.sleep(SETTLE)
                with collector_paused():
                    pids = {name: bot.pid for name, bot in bots.items()}
                    await measure_round(servers, pids, count, typed, samples, full)
                for bot in bots.values():
                    await bot.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        for key, label in LABELS.items():
            if samples["briefing"][key]:
                shown = f"{label}, glossary of {size:,}" if key == "complete" else label
                rows += rows_for(samples, key, shown)
        for key, label in LABELS.items():
            if samples["postgres"][key]:
                shown = f"{label}, glossary of {size:,}" if key == "complete" else label
                rows += rows_for(samples, key, f"{shown}, PostgreSQL store", "postgres")
        controls = (
            ("summary", "the bare bot sending our /summary message (same embed, two buttons)"),
            ("complete", "the bare bot answering autocomplete with 25 fixed choices, as many as ours"),
            ("language", "the bare bot's language click on our /summary message, answered with our reply"),
            ("page", "the bare bot's Next click on our /people page, answered with our next page"),
        )
        for key, label in controls:
            if samples["same"][key]:
                pooled = list(itertools.chain(*samples["same"][key]))
                bare_pooled = list(itertools.chain(*samples["bare"][key]))
                for stat, q in (("p50", 0.5), ("p99", 0.99)):
                    base, value = p(bare_pooled, q), p(pooled, q)
                    rows.append(
                        f"| control: {label} | {stat} | {base:.2f} ms | {value:.2f} ms | {value / base:.2f}× | | |"
                    )
    bare_ready, ours_ready = statistics.median(ready["bare"]), statistics.median(ready["briefing"])
    rows.append(
        f"| start → READY (start to first answer: `python -m bench.startup`) | median | "
        f"{bare_ready * 1000:.0f} ms | {ours_ready * 1000:.0f} ms | {ours_ready / bare_ready:.2f}× | | |"
    )
    header = (
        f"{count} interactions of each kind per round (commands, keystrokes, each click); "
        f"{rounds} rounds, each on new processes; within a round the bots take turns of {TURN} "
        f"interactions, the others stopped meanwhile; {os.cpu_count()} cores, {where}. "
        "The per-round column shows each round's own ratio, so how stable a figure is can be read off it.\n\n"
        "| measure | stat | bare discord.py bot | briefing bot | ratio | per round | target |\n"
        "|---|---|---|---|---|---|---|\n"
    )
    return header + "\n".join(rows)


def main() -> None:
    """Parse options and print the report."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--count", type=int, default=400, help="interactions of each kind per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each starting every bot again")
    parser.add_argument(
        "--glossary", type=int, nargs="+", default=[1000, 10000], help="glossary sizes for autocomplete"
    )
    args = parser.parse_args()
    print(asyncio.run(run(args.count, args.rounds, args.glossary)))


if __name__ == "__main__":
    main()
