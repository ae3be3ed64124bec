"""Latency and start-up of the briefing bot against a bare discord.py bot, on one loopback server, one run.

Run with `make bench`. Each bot is a real process talking to the same loopback Discord; phases run
bare, briefing, bare, briefing so drift on a shared machine lands on both sides.
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
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.keystrokes import keystrokes
from tests.e2e.discord_server import LoopbackDiscord

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
        process = self.process
        await server.wait_for(lambda: server.identifies > before or process.returncode is not None, 120)
        if process.returncode is not None:
            raise RuntimeError(f"{self.name} exited at start-up; see {self.workdir / self.name}.log")
        return time.monotonic() - started

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


async def latencies(server: LoopbackDiscord, count: int, **command: object) -> list[float]:
    """Seconds from INTERACTION_CREATE to the callback, one interaction at a time."""
    results = []
    for _ in range(count):
        handle = await server.command(**command)  # type: ignore[arg-type]
        callback = await handle.response(timeout=10)
        results.append(callback.at - handle.sent_at)
    return results


async def completions(server: LoopbackDiscord, typed: list[str]) -> list[float]:
    """Seconds from INTERACTION_CREATE to the callback for /people autocomplete, one keystroke at a time."""
    results = []
    for text in typed:
        handle = await server.command("people", {"name": text}, focused="name")
        callback = await handle.response(timeout=10)
        results.append(callback.at - handle.sent_at)
    return results


async def clicks(
    server: LoopbackDiscord, count: int, command: str, label: str, options: dict[str, str] | None = None
) -> list[float]:
    """Seconds from a button click's INTERACTION_CREATE to its callback, on one message, `count` times.

    Clicks follow each other as commands and keystrokes do; only the first waits for the bot to have
    taken in the message it clicks.
    """
    from tests.e2e.discord_server import components_message  # noqa: PLC0415

    callback = await (await server.command(command, options)).response(timeout=10)
    message = components_message(callback, server)
    results = []
    for index in range(count):
        handle = await server.click(message, label, **({"settle": 0.0} if index else {}))
        answer = await handle.response(timeout=10)
        results.append(answer.at - handle.sent_at)
    return results


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


async def measure_round(
    server: LoopbackDiscord, bot: Bot, count: int, typed: list[str], samples: Samples, full: bool
) -> None:
    """One round of every measure for one running bot; `full` False measures autocomplete only.

    The control ("same") is asked what ours is asked, and answers with our saved replies.
    """
    mine = samples[bot.name]
    await latencies(server, 20, name="summary")  # warm: first answers are built, later ones remembered
    if full:
        mine["summary"].append(await latencies(server, count, name="summary"))
    mine["complete"].append(await completions(server, typed))
    if full:
        for key, asks in CLICKS.items():
            command, label, options = asks["bare" if bot.name == "bare" else "briefing"]
            mine[key].append(await clicks(server, count, command, label, options))


def rows_for(samples: Samples, key: str, label: str) -> list[str]:
    """p50, p99 and max of one measure for both bots, with the target's verdict and p99 per round."""
    bare, ours = samples["bare"][key], samples["briefing"][key]
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
        ours = Bot(
            "briefing",
            [sys.executable, "-m", "bot"],
            {
                "BRIEFS_DIR": str(briefs),
                "LOCALES_DIR": str(locales),
                "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
                "CONTENT_CACHE": str(workdir / "cache"),
            },
            workdir,
        )
        settle_collector()
        # The control: the bare bot with 25 fixed choices and, once ours has answered, our replies.
        same = Bot("same", bare.argv, {"BARE_CHOICES": "25"}, workdir)
        samples: Samples = {b.name: {key: [] for key in LABELS} for b in (bare, ours, same)}
        async with LoopbackDiscord() as server:
            for round_ in range(rounds):
                # The same keystrokes for every bot in a round; other readers, typing other names, in the next.
                typed = keystrokes(locales / "glossary.toml", count, seed=round_ + 1)
                for bot in (bare, ours, same) if full else (bare, ours):  # alternated: drift lands on all
                    seconds = await bot.start(server)
                    if full and bot is not same:
                        ready[bot.name].append(seconds)
                    await server.wait_ready()
                    await asyncio.sleep(0.5)  # let setup settle before timing interactions
                    with collector_paused():
                        await measure_round(server, bot, count, typed, samples, full)
                    if bot is ours and full and "BARE_REPLIES" not in same.env:
                        same.env["BARE_REPLIES"] = json.dumps(await saved_replies(server))
                    await bot.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        for key, label in LABELS.items():
            if samples["briefing"][key]:
                shown = f"{label}, glossary of {size:,}" if key == "complete" else label
                rows += rows_for(samples, key, shown)
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
        f"{rounds} rounds per bot, alternated, each on a new process; {os.cpu_count()} cores. "
        "The per-round column shows each round's own ratio, so how stable a figure is can be read off it.\n\n"
        "| measure | stat | bare discord.py bot | briefing bot | ratio | per round | target |\n"
        "|---|---|---|---|---|---|---|\n"
    )
    return header + "\n".join(rows)


def main() -> None:
    """Parse options and print the report."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--count", type=int, default=400, help="interactions of each kind per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (process starts) per bot")
    parser.add_argument(
        "--glossary", type=int, nargs="+", default=[1000, 10000], help="glossary sizes for autocomplete"
    )
    args = parser.parse_args()
    print(asyncio.run(run(args.count, args.rounds, args.glossary)))


if __name__ == "__main__":
    main()
