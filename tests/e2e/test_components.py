"""Buttons and menus that keep working: after a restart, on old messages, and once their story is gone."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.core.content import short_key
from tests.e2e.bot_process import ROOT, BotProcess
from tests.e2e.discord_server import (
    ADMIN_ID,
    BOT_ID,
    MEMBER_ID,
    OTHER_CHANNEL_ID,
    LoopbackDiscord,
    aged,
    components_message,
    embeds_of,
)
from tests.e2e.test_discord import long_card

pytestmark = pytest.mark.asyncio(loop_scope="module")

EPHEMERAL = 64
ADMIN = {"user_id": ADMIN_ID, "permissions": 0x7FFFFFFF}
STRANGER = MEMBER_ID + 9
DOOMED = """
id = "doomed-story"
kind = "report"
published = "2019-01-01"
[source]
outlet = "biteye"
date = "2019-01"
[title]
en = "A story that will be withdrawn"
zh-Hans = "一篇将被撤下的报道"
[summary]
en = "It exists for now. Soon it will not."
zh-Hans = "它暂时还在。很快就不在了。"
[[points]]
heading = { en = "Point", zh-Hans = "要点" }
text = { en = "Text.", zh-Hans = "文字。" }
"""


CHANGING = (
    DOOMED.replace('"doomed-story"', '"changing-story"')
    + """
[[people]]
ref = "zhou-hao"
role = { en = "A witness, for now.", zh-Hans = "暂时的见证者。" }
"""
)


@dataclass
class World:
    server: LoopbackDiscord
    bot: BotProcess
    briefs: Path
    saved: dict[str, dict[str, Any]]  # messages sent before the restart, by name


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    workdir = tmp_path_factory.mktemp("bot")
    briefs = workdir / "briefs"
    shutil.copytree(ROOT / "briefs", briefs)
    (briefs / "long-story.toml").write_text(long_card(), encoding="utf-8")
    (briefs / "doomed-story.toml").write_text(DOOMED, encoding="utf-8")
    (briefs / "changing-story.toml").write_text(CHANGING, encoding="utf-8")
    async with LoopbackDiscord() as server:
        bot = BotProcess(workdir, {**server.env(), "BRIEFS_DIR": str(briefs), "RELOAD_INTERVAL": "0.5"})
        await bot.start()
        try:
            await server.wait_ready(60)
            await server.wait_for(lambda: server.command_puts, 30)
            yield World(server, bot, briefs, {})
        finally:
            await bot.stop()
    assert " ERROR " not in bot.log(), bot.log()


async def reply(world: World, name: str, options: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """A command's reply as the message Discord keeps, so its buttons can be clicked."""
    handle = await world.server.command(name, options, **kw)
    return components_message(await handle.response(), world.server)


def text(body: dict[str, Any]) -> str:
    return "\n".join(f"{e.get('title', '')}\n{e.get('description', '')}" for e in embeds_of(body))


def footer(body: dict[str, Any]) -> str:
    return embeds_of(body)[0]["footer"]["text"]


async def test_messages_sent_before_a_restart(world: World) -> None:
    world.saved["timeline"] = await reply(world, "timeline", {"story": "long-story"}, user_id=MEMBER_ID)
    world.saved["summary"] = await reply(world, "summary", {"story": "qwen-core-team-departs"})
    world.saved["doomed"] = await reply(world, "summary", {"story": "doomed-story"})
    world.saved["witness"] = await reply(world, "people", {"name": "zhou hao", "story": "changing-story"})
    since = len(world.server.messages)
    await world.server.say(f"<@{BOT_ID}> timeline")
    world.saved["mention"] = await world.server.wait_for(
        lambda: next((m for m in world.server.messages[since:] if m["components"]), None), 5
    )
    # A digest post in Simplified Chinese, with every story in it.
    await world.server.command(
        "language", {"language": "zh-Hans", "channel": OTHER_CHANNEL_ID}, subcommand="set", **ADMIN
    )
    minute = dt.datetime.now(dt.UTC)
    if minute.second > 50:
        await asyncio.sleep(61 - minute.second)
    await world.server.command(
        "digest",
        {"channel": OTHER_CHANNEL_ID, "time": dt.datetime.now(dt.UTC).strftime("%H:%M"), "timezone": "UTC"},
        subcommand="set",
        **ADMIN,
    )
    world.saved["digest"] = await world.server.wait_for(
        lambda: next((m for m in world.server.messages if m["channel_id"] == str(OTHER_CHANNEL_ID)), None), 30
    )
    assert "阅读全文" in text(world.saved["digest"])
    # The process goes away and comes back: no view or message it sent is in its memory any more.
    await world.bot.stop()
    await world.bot.start()
    await world.server.wait_ready(60)


async def test_a_language_button_answers_after_the_restart(world: World) -> None:
    answer = await (await world.server.click(world.saved["summary"], "繁體中文", user_id=STRANGER)).response()
    assert answer.body["type"] == 4
    assert answer.body["data"]["flags"] & EPHEMERAL
    assert "林俊暘" in text(answer.body)


async def test_paging_after_the_restart_for_the_asker_and_for_anyone_else(world: World) -> None:
    message = world.saved["timeline"]
    turned = await (await world.server.click(message, "Next", user_id=MEMBER_ID)).response()
    assert turned.body["type"] == 7
    assert "2/" in footer(turned.body)
    copy = await (await world.server.click(message, "Next", user_id=STRANGER)).response()
    assert copy.body["type"] == 4
    assert copy.body["data"]["flags"] & EPHEMERAL
    assert "2/" in footer(copy.body)


async def test_a_button_on_a_message_sent_weeks_ago_answers(world: World) -> None:
    old = aged(world.saved["summary"], days=40)
    answer = await (await world.server.click(old, "简体中文", user_id=STRANGER)).response()
    assert answer.body["data"]["flags"] & EPHEMERAL
    assert "林俊旸" in text(answer.body)


async def test_a_mention_answer_carries_the_same_buttons(world: World) -> None:
    labels = [c.get("label") for row in world.saved["mention"]["components"] for c in row["components"]]
    assert labels[-2:] == ["简体中文", "繁體中文"]  # the server reads English: the other two are offered
    answer = await (await world.server.click(world.saved["mention"], "繁體中文", user_id=STRANGER)).response()
    assert answer.body["data"]["flags"] & EPHEMERAL
    assert "時間線" in text(answer.body)


async def test_the_digest_post_reads_in_another_language_and_opens_a_story(world: World) -> None:
    digest = world.saved["digest"]
    whole = await (await world.server.click(digest, "繁體中文", user_id=STRANGER)).response()
    assert whole.body["data"]["flags"] & EPHEMERAL
    assert "閱讀全文" in text(whole.body)
    assert len(embeds_of(whole.body)) == len(digest["embeds"])
    opened = await (
        await world.server.select(
            digest, short_key("qwen-core-team-departs"), user_id=STRANGER, locale="en-US"
        )
    ).response()
    assert opened.body["data"]["flags"] & EPHEMERAL
    assert "Lin Junyang" in text(opened.body)  # the reader's own language, not the post's


async def test_a_click_on_a_removed_story_or_name_gets_a_short_private_answer(world: World) -> None:
    (world.briefs / "doomed-story.toml").unlink()
    (world.briefs / "changing-story.toml").write_text(CHANGING.split("[[people]]")[0], encoding="utf-8")
    for _ in range(50):  # the bot polls the folder twice a second
        gone = await (await world.server.command("summary", {"story": "doomed-story"})).response()
        if (
            embeds_of(gone.body)
            and "doomed" in str(gone.body)
            and gone.body["data"].get("flags", 0) & EPHEMERAL
        ):
            break
        await asyncio.sleep(0.2)
    answer = await (await world.server.click(world.saved["doomed"], "简体中文", locale="zh-CN")).response()
    assert answer.body["data"]["flags"] & EPHEMERAL
    assert "简报中已没有这篇报道。" in str(answer.body)
    opened = await (
        await world.server.select(world.saved["digest"], short_key("doomed-story"), locale="zh-TW")
    ).response()
    assert "簡報中已沒有這篇報導。" in str(opened.body)
    # The person is still in the glossary but no longer in that story.
    answer = await (await world.server.click(world.saved["witness"], "繁體中文", locale="en-US")).response()
    assert answer.body["data"]["flags"] & EPHEMERAL
    assert "That name is no longer in the briefings." in str(answer.body)
