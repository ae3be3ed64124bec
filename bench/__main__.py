"""Latency and start-up of the briefing bot against a bare discord.py bot, on one loopback server, one run.

Run with `make bench`. Each bot is a real process talking to the same loopback Discord; phases run
bare, briefing, bare, briefing so drift on a shared machine lands on both sides.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

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


async def latencies(server: LoopbackDiscord, count: int, **command: object) -> list[float]:
    """Seconds from INTERACTION_CREATE to the callback, one interaction at a time."""
    results = []
    for _ in range(count):
        handle = await server.command(**command)  # type: ignore[arg-type]
        callback = await handle.response(timeout=10)
        results.append(callback.at - handle.sent_at)
    return results


async def clicks(
    server: LoopbackDiscord, count: int, command: str, label: str, options: dict[str, str] | None = None
) -> list[float]:
    """Seconds from a button click's INTERACTION_CREATE to its callback, on one message, `count` times."""
    from tests.e2e.discord_server import components_message  # noqa: PLC0415

    callback = await (await server.command(command, options)).response(timeout=10)
    message = components_message(callback, server)
    results = []
    for _ in range(count):
        handle = await server.click(message, label)
        answer = await handle.response(timeout=10)
        results.append(answer.at - handle.sent_at)
    return results


def p(values: list[float], q: float) -> float:
    """The q-quantile in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(count: int, starts: int, glossary_size: int) -> str:
    """Measure both bots and return a Markdown report."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    locales = grown_locales(workdir, glossary_size)
    briefs = grown_briefs(
        workdir, glossary_size - (ROOT / "locales" / "glossary.toml").read_text().count("[[entry]]")
    )
    bare = Bot("bare", [sys.executable, str(ROOT / "bench" / "bare_bot.py")], {}, workdir)
    ours = Bot(
        "briefing",
        [sys.executable, "-m", "bot"],
        {
            "BRIEFS_DIR": str(briefs),
            "LOCALES_DIR": str(locales),
            "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
        },
        workdir,
    )
    samples: dict[str, dict[str, list[float]]] = {
        b.name: {"ready": [], "summary": [], "complete": [], "language": [], "page": []} for b in (bare, ours)
    }
    async with LoopbackDiscord() as server:
        for round_ in range(starts):
            for bot in (bare, ours):
                samples[bot.name]["ready"].append(await bot.start(server))
                await server.wait_ready()
                await asyncio.sleep(0.5)  # let setup settle before timing interactions
                if round_ < 2:
                    warm = await latencies(server, 20, name="summary")
                    del warm
                    samples[bot.name]["summary"] += await latencies(server, count // 2, name="summary")
                    samples[bot.name]["complete"] += await latencies(
                        server, count // 2, name="people", options={"name": "lin"}, focused="name"
                    )
                    if bot is ours:  # the bare bot has no buttons: clicks compare with its /summary
                        samples[bot.name]["language"] += await clicks(
                            server, count // 8, "summary", "简体中文"
                        )
                        samples[bot.name]["page"] += await clicks(
                            server, count // 8, "people", "Next", {"story": "bench"}
                        )
                await bot.stop()
    shutil.rmtree(workdir, ignore_errors=True)
    rows = []
    targets = {"summary": ("p50", 0.5, 1.10), "complete": ("p99", 0.99, 1.20), "ready": ("median", 0.5, 1.30)}
    labels = {
        "summary": "/summary, INTERACTION_CREATE → callback",
        "complete": f"/people autocomplete, glossary of {glossary_size}",
        "ready": "start → READY",
        "language": "language button click",
        "page": "Next click",
    }
    for key, label in (("language", "language button click → callback"), ("page", "Next click → callback")):
        mine = samples["briefing"][key]
        if not mine:
            continue
        for stat, q, target in (("p50", 0.5, 1.10), ("p99", 0.99, 1.20)):
            base, value = p(samples["bare"]["summary"], q), p(mine, q)
            verdict = "met" if value / base <= target else "NOT met"
            rows.append(
                f"| {label} (vs bare /summary) | {stat} | {base:.1f} ms | {value:.1f} ms | {value / base:.2f}× "
                f"| ≤ {target:.2f}× {verdict} |"
            )
    for key in ("summary", "complete", "language", "page"):
        if samples["briefing"][key]:
            bare_max = max(samples["bare"][key] or samples["bare"]["summary"]) * 1000
            rows.append(
                f"| {labels.get(key, key)} | max | {bare_max:.1f} ms | {max(samples['briefing'][key]) * 1000:.1f} ms | | |"
            )
    for key, (stat, q, target) in targets.items():
        base = p(samples["bare"][key], q)
        mine = p(samples["briefing"][key], q)
        ratio = mine / base
        verdict = "met" if ratio <= target else "NOT met"
        rows.append(
            f"| {labels[key]} | {stat} | {base:.1f} ms | {mine:.1f} ms | {ratio:.2f}× | ≤ {target:.2f}× {verdict} |"
        )
        if key != "ready":
            b99, m99 = p(samples["bare"][key], 0.99), p(samples["briefing"][key], 0.99)
            b50, m50 = p(samples["bare"][key], 0.5), p(samples["briefing"][key], 0.5)
            other = ("p99", b99, m99) if stat == "p50" else ("p50", b50, m50)
            rows.append(
                f"| {labels[key]} | {other[0]} | {other[1]:.1f} ms | {other[2]:.1f} ms | {other[2] / other[1]:.2f}× | |"
            )
    n = len(samples["briefing"]["summary"])
    header = (
        f"{n} interactions of each kind per bot, {starts} starts each, phases alternated; "
        f"{os.cpu_count()} cores; median start {statistics.median(samples['briefing']['ready']):.2f} s.\n\n"
        "| measure | stat | bare discord.py bot | briefing bot | ratio | target |\n|---|---|---|---|---|---|\n"
    )
    return header + "\n".join(rows)


def main() -> None:
    """Parse options and print the report."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--count", type=int, default=400, help="interactions of each kind per bot")
    parser.add_argument("--starts", type=int, default=4, help="process starts per bot")
    parser.add_argument("--glossary", type=int, default=1000, help="glossary size for autocomplete")
    args = parser.parse_args()
    print(asyncio.run(run(args.count, args.starts, args.glossary)))


if __name__ == "__main__":
    main()
