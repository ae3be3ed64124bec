"""Card updates without a restart: changed files are validated, swapped in whole, or refused."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import signal
import time
from pathlib import Path

from tests.e2e.bot_process import ROOT, BotProcess, running_bot
from tests.e2e.discord_server import LoopbackDiscord, embeds_of

CARD = "qwen-core-team-departs.toml"
OLD_TITLE = "{alibaba}'s {qwen} team loses its technical lead {lin-junyang} and three core members"


def content(tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(ROOT / "briefs", tmp_path / "briefs")
    shutil.copytree(ROOT / "locales", tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    return tmp_path / "briefs", tmp_path / "locales"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


async def title(server: LoopbackDiscord, story: str = "qwen-core") -> str:
    handle = await server.command("summary", {"story": story})
    return embeds_of((await handle.response()).body)[0]["title"]


async def eventually(probe, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while not (value := await probe()):
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.2)
    return value


async def test_changed_files_are_served_and_a_broken_update_is_refused(tmp_path: Path) -> None:
    briefs, locales = content(tmp_path)
    async with LoopbackDiscord() as server:
        env = {
            **server.env(),
            "BRIEFS_DIR": str(briefs),
            "LOCALES_DIR": str(locales),
            "RELOAD_INTERVAL": "0.3",
        }
        async with running_bot(server, tmp_path, **env) as bot:
            assert (await title(server)).endswith("and three core members")
            edit(briefs / CARD, OLD_TITLE, "{lin-junyang} leaves {alibaba}'s {qwen}: updated")
            assert await eventually(lambda: _has(server, "Lin Junyang leaves Alibaba's Qwen: updated"))

            # A broken update: the whole set is refused and the last good one keeps serving.
            edit(briefs / "qwen-exodus-crypto-reading.toml", "zh-Hans = ", "zh-Hanz = ")
            await eventually(lambda: _logged(bot, "update rejected"))
            assert re.search(r"qwen-exodus-crypto-reading\.toml:\d+: \S+\.zh-Han", bot.log())
            assert await title(server) == "Lin Junyang leaves Alibaba's Qwen: updated"
            assert await title(server, "qwen-exodus")  # the other card still answers

            # A new interface string translation reaches replies too.
            po = locales / "en" / "LC_MESSAGES" / "messages.po"
            edit(po, 'msgstr "Source: {outlet}"', 'msgstr "From: {outlet}"')
            edit(briefs / "qwen-exodus-crypto-reading.toml", "zh-Hanz = ", "zh-Hans = ")
            assert await eventually(lambda: _footer_has(server, "From: Biteye"))
    assert "Traceback" not in bot.log()


async def test_sighup_reloads_when_polling_is_off(tmp_path: Path) -> None:
    briefs, locales = content(tmp_path)
    async with LoopbackDiscord() as server:
        env = {**server.env(), "BRIEFS_DIR": str(briefs), "LOCALES_DIR": str(locales), "RELOAD_INTERVAL": "0"}
        async with running_bot(server, tmp_path, **env) as bot:
            edit(briefs / CARD, OLD_TITLE, "{lin-junyang} leaves {alibaba}'s {qwen}: after SIGHUP")
            await asyncio.sleep(1.0)
            assert (await title(server)).endswith("and three core members")  # nothing polls
            assert bot.process is not None
            bot.process.send_signal(signal.SIGHUP)
            assert await eventually(lambda: _has(server, "Lin Junyang leaves Alibaba's Qwen: after SIGHUP"))


async def _has(server: LoopbackDiscord, expected: str) -> bool:
    return await title(server) == expected


async def _logged(bot: BotProcess, text: str) -> bool:
    return text in bot.log()


async def _footer_has(server: LoopbackDiscord, text: str) -> bool:
    handle = await server.command("summary", {"story": "qwen-core"})
    return text in embeds_of((await handle.response()).body)[0]["footer"]["text"]


def pack(title: str, broken: bool = False) -> bytes:
    files = {f"briefs/{p.name}": p.read_text(encoding="utf-8") for p in (ROOT / "briefs").glob("*.toml")}
    files[f"briefs/{CARD}"] = files[f"briefs/{CARD}"].replace(OLD_TITLE, title, 1)
    if broken:
        files["briefs/qwen-exodus-crypto-reading.toml"] = files[
            "briefs/qwen-exodus-crypto-reading.toml"
        ].replace("kind = ", "kinds = ", 1)
    return json.dumps({"files": files}).encode()


async def test_a_remote_pack_is_fetched_with_etag_and_a_broken_one_is_refused(tmp_path: Path) -> None:
    async with LoopbackDiscord() as server:
        server.files["pack.json"] = (
            pack("{lin-junyang} leaves {alibaba}'s {qwen}: from the pack"),
            '"v1"',
        )
        env = {
            **server.env(),
            "BRIEFS_URL": f"http://127.0.0.1:{server.port}/files/pack.json",
            "BRIEFS_REFRESH": "0.3",
        }
        async with running_bot(server, tmp_path, **env) as bot:
            assert await eventually(lambda: _has(server, "Lin Junyang leaves Alibaba's Qwen: from the pack"))
            await server.wait_for(
                lambda: any(h.get("If-None-Match") == '"v1"' for h in server.file_requests), 10
            )

            server.files["pack.json"] = (
                pack("{lin-junyang} leaves {alibaba}'s {qwen}: v2", broken=True),
                '"v2"',
            )
            await eventually(lambda: _logged(bot, "card pack rejected"))
            assert "kinds: is not a known field" in bot.log()
            assert await title(server) == "Lin Junyang leaves Alibaba's Qwen: from the pack"
