"""End to end: the real bot process, the real discord.py client, a loopback Discord over websocket and HTTP."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.core.layout import DESCRIPTION, EMBED_TOTAL, FIELD_NAME, FIELD_VALUE, FIELDS, FOOTER, TITLE
from tests.e2e.bot_process import ROOT, BotProcess
from tests.e2e.conftest import ADMIN, EPHEMERAL, ask, text_of
from tests.e2e.discord_server import (
    BOT_ID,
    GUILD_ID,
    MEMBER_ID,
    LoopbackDiscord,
    components_message,
    embeds_of,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


def long_card() -> str:
    """An older story whose timeline needs several pages, to exercise paging."""
    events = "\n".join(
        f'[[timeline]]\ndate = "2020-01-{day:02d}"\nstatus = "confirmed"\npeople = ["lin-junyang"]\n'
        f'event = {{ en = "On day {day} {{lin-junyang}} wrote a long note about training runs, data and the plans '
        f'for the next release of the models, which the team read with care.", '
        f'zh-Hans = "第{day}天，{{lin-junyang}}写了一篇很长的笔记，谈训练、数据以及下一版模型的计划，团队成员都认真读了。" }}'
        for day in range(1, 29)
    )
    return f"""
id = "long-story"
kind = "report"
published = "2020-02-01"
[source]
outlet = "biteye"
date = "2020-02"
[title]
en = "A long record of {{lin-junyang}}"
zh-Hans = "{{lin-junyang}}的长篇记录"
[summary]
en = "A test story. It has many events. It is long."
zh-Hans = "这是测试报道。它有很多事件。篇幅很长。"
[[points]]
heading = {{ en = "Point", zh-Hans = "要点" }}
text = {{ en = "Text.", zh-Hans = "文字。" }}
[[people]]
ref = "lin-junyang"
role = {{ en = "The subject.", zh-Hans = "主角。" }}
{events}
"""


@dataclass
class World:
    server: LoopbackDiscord
    bot: BotProcess
    expected_tracebacks: int = 0


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    workdir = tmp_path_factory.mktemp("bot")
    shutil.copytree(ROOT / "briefs", workdir / "briefs")
    (workdir / "briefs" / "long-story.toml").write_text(long_card(), encoding="utf-8")
    async with LoopbackDiscord() as server:
        bot = BotProcess(workdir, {**server.env(), "BRIEFS_DIR": str(workdir / "briefs")})
        await bot.start()
        try:
            await server.wait_ready(60)
            await server.wait_for(lambda: server.command_puts, 30)
            world_state = World(server, bot)
            yield world_state
        finally:
            await bot.stop()
    # Only the fault the tests injected may have been logged as an error.
    assert bot.log().count(" ERROR ") == world_state.expected_tracebacks, bot.log()
    assert server.token not in bot.log()


# --- registration ------------------------------------------------------------------------------------


async def test_commands_are_registered_with_chinese_localisations(world: World) -> None:
    commands = {c["name"]: c for c in world.server.commands["global"]}
    assert set(commands) == {"summary", "people", "timeline", "glossary", "briefs", "language", "digest"}
    for command in commands.values():
        for key in ("name_localizations", "description_localizations"):
            assert set(command[key]) >= {"zh-CN", "zh-TW"}, (command["name"], key)
    assert commands["people"]["name_localizations"] == {"zh-CN": "人物", "zh-TW": "人物"}
    assert commands["timeline"]["name_localizations"] == {"zh-CN": "时间线", "zh-TW": "時間線"}


# --- every command in every language --------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [("en", "Lin Junyang", "林俊暘"), ("zh-Hans", "林俊旸", "林俊暘"), ("zh-Hant", "林俊暘", "林俊旸")],
)
@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("summary", {"story": "qwen-core-team-departs"}),
        ("people", {"story": "qwen-core-team-departs"}),
        ("people", {"name": "lin"}),
        ("timeline", {"story": "qwen-core-team-departs"}),
        ("timeline", {"person": "林俊旸"}),
        ("glossary", {"term": "P10", "story": "qwen-core-team-departs"}),
        ("briefs", {}),
    ],
)
async def test_every_command_in_every_language(
    world: World, name: str, options: dict[str, str], language: str, expected: str, absent: str
) -> None:
    body = await ask(world.server, name, {**options, "language": language})
    assert body["type"] == 4
    text = text_of(body)
    if name == "briefs":
        expected = {"en": "Stories", "zh-Hans": "简报列表", "zh-Hant": "簡報列表"}[language]
    elif name == "glossary":
        expected = {"en": "Alibaba", "zh-Hans": "阿里巴巴", "zh-Hant": "阿里巴巴"}[language]
    assert expected in text, text
    if name not in ("people", "glossary") or "name" not in options:
        # A person's card lists every script's form under a label; all other text is one script.
        assert absent not in text.replace("简体中文: 林俊旸", "").replace("繁體中文: 林俊暘", "").replace(
            "简体中文：林俊旸", ""
        ).replace("繁體中文：林俊暘", "")


async def test_reader_locale_decides_when_nothing_else_does(world: World) -> None:
    body = await ask(world.server, "summary", {"story": "qwen-core-team-departs"}, locale="zh-TW")
    assert "林俊暘" in text_of(body)
    body = await ask(world.server, "summary", {"story": "qwen-core-team-departs"}, locale="fr")
    assert "Lin Junyang" in text_of(body)  # French is not ours: the server's locale (en-US), then the default


async def test_works_in_direct_messages(world: World) -> None:
    body = await ask(world.server, "people", {"name": "郁博文"}, in_guild=False, locale="zh-CN")
    assert "郁博文" in text_of(body)


# --- autocomplete ------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["lin", "Junyang", "林俊", "linjunyang", "@JustinLin", "林俊阳"])
async def test_person_autocomplete_by_any_form(world: World, typed: str) -> None:
    body = await ask(world.server, "people", {"name": typed}, focused="name")
    assert body["type"] == 8
    choices = body["data"]["choices"]
    assert choices[0]["value"] == "lin-junyang"
    assert len(choices) <= 25


async def test_autocomplete_labels_follow_the_reader(world: World) -> None:
    body = await ask(world.server, "timeline", {"person": "yu"}, focused="person", locale="zh-TW")
    assert body["data"]["choices"][0]["name"].startswith("郁博文")
    body = await ask(world.server, "glossary", {"term": "zhineng"}, focused="term", locale="zh-CN")
    assert body["data"]["choices"][0]["name"].startswith("智能密度")
    body = await ask(world.server, "summary", {"story": ""}, focused="story")
    assert 1 <= len(body["data"]["choices"]) <= 25


# --- paging and language buttons -----------------------------------------------------------------


async def test_the_asker_turns_the_pages_and_anyone_else_gets_a_private_copy(world: World) -> None:
    handle = await world.server.command("timeline", {"story": "long-story"})
    first = await handle.response()
    assert "1/" in embeds_of(first.body)[0]["footer"]["text"]
    message = components_message(first, world.server)
    turned = await (await world.server.click(message, "Next")).response()
    assert turned.body["type"] == 7  # the message itself is edited
    assert "2/" in embeds_of(turned.body)[0]["footer"]["text"]
    stranger = await (await world.server.click(message, "Next", user_id=MEMBER_ID + 5)).response()
    assert stranger.body["type"] == 4
    assert stranger.body["data"]["flags"] & EPHEMERAL
    assert "2/" in embeds_of(stranger.body)[0]["footer"]["text"]
    # The copy is the stranger's own: they turn its pages, and the asker's message is left alone.
    copy = components_message(stranger, world.server)
    back = await (await world.server.click(copy, "Previous", user_id=MEMBER_ID + 5)).response()
    assert back.body["type"] == 7
    assert "1/" in embeds_of(back.body)[0]["footer"]["text"]


async def test_language_button_answers_privately_in_that_language(world: World) -> None:
    handle = await world.server.command("summary", {"story": "qwen-core-team-departs"})
    message = components_message(await handle.response(), world.server)
    other = await (await world.server.click(message, "繁體中文", user_id=MEMBER_ID + 7)).response()
    assert other.body["data"]["flags"] & EPHEMERAL
    assert "林俊暘" in text_of(other.body)


# --- per-server language -----------------------------------------------------------------------------


async def test_member_without_manage_server_is_refused(world: World) -> None:
    body = await ask(
        world.server, "language", {"language": "zh-Hans"}, subcommand="set", permissions=0, locale="zh-CN"
    )
    assert body["data"]["flags"] & EPHEMERAL
    assert "管理服务器" in str(body)


async def test_server_only_command_in_dms_is_refused(world: World) -> None:
    body = await ask(world.server, "language", {"language": "zh-Hans"}, subcommand="set", in_guild=False)
    assert body["data"]["flags"] & EPHEMERAL
    assert "only in a server" in str(body)


async def test_unknown_language_and_story_get_short_private_answers(world: World) -> None:
    body = await ask(world.server, "summary", {"language": "klingon"})
    assert body["data"]["flags"] & EPHEMERAL
    assert "klingon" in str(body)
    body = await ask(world.server, "summary", {"story": "no such story"}, locale="zh-CN")
    assert body["data"]["flags"] & EPHEMERAL
    assert "没有找到" in text_of(body)
    body = await ask(world.server, "people", {"name": "qqqq"}, locale="zh-TW")
    assert body["data"]["flags"] & EPHEMERAL
    assert "沒有找到" in text_of(body)


async def test_hostile_input_pings_nobody(world: World) -> None:
    since = len(world.server.requests)
    await ask(world.server, "people", {"name": "@everyone <@&123> @here"})
    await ask(world.server, "summary", {"story": "<@700000000000000011> @everyone"})
    await world.server.say(f"<@{BOT_ID}> who is @everyone")
    await world.server.wait_for(lambda: len(world.server.created(since)) >= 3, 5)
    for request in world.server.created(since):
        body = request.body.get("data", request.body) if "/callback" in request.path else request.body
        assert body["allowed_mentions"] == {"parse": []} or body["allowed_mentions"]["parse"] == []


async def test_language_set_lasts_across_a_restart(world: World) -> None:
    body = await ask(world.server, "language", {"language": "zh-Hant"}, subcommand="set", **ADMIN)
    assert "繁體中文" in str(body)
    puts = world.server.command_puts
    await world.bot.stop()
    await world.bot.start()
    await world.server.wait_ready(60)
    body = await ask(world.server, "summary", {"story": "qwen-core-team-departs"})
    assert "林俊暘" in text_of(body)
    shown = await ask(world.server, "language", subcommand="show", **ADMIN)
    assert "繁體中文" in str(shown)
    assert world.server.command_puts == puts  # unchanged commands are not synced again
    await ask(world.server, "language", {"language": "en"}, subcommand="set", **ADMIN)


# --- chat questions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("who is Lin Junyang?", "Lin Junyang"),
        ("林俊旸是谁", "Lin Junyang"),  # the server's language decides: English here
        ("timeline", "Timeline"),
        ("时间线", "Timeline"),
        ("summary", "Source:"),
        ("总结", "Source:"),
    ],
)
async def test_mention_questions_get_a_card_in_the_channel(world: World, content: str, expected: str) -> None:
    since = len(world.server.requests)
    await world.server.say(f"<@{BOT_ID}> {content}")
    sent = await world.server.wait_for(
        lambda: [r for r in world.server.created(since) if "/channels/" in r.path], 5
    )
    assert expected in text_of(sent[0].body)
    assert sent[0].body["allowed_mentions"]["parse"] == []


async def test_messages_without_a_mention_are_ignored(world: World) -> None:
    since = len(world.server.requests)
    await world.server.say("who is Lin Junyang?", mentions_bot=False)
    await world.server.say(f"<@{BOT_ID}> summary")
    await world.server.wait_for(lambda: world.server.created(since), 5)
    assert len(world.server.created(since)) == 1


# --- limits and mentions on everything the bot sends ----------------------------------------------


async def make_traffic(world: World) -> tuple[int, list[str]]:
    """Every kind of reply the bot sends: each command in each language, paging, language buttons, chat.

    Returns where the traffic starts in the server's request log, and the interactions it dispatched.
    """
    since = len(world.server.requests)
    interactions: list[str] = []

    async def run(name: str, options: dict[str, Any], **kw: Any) -> Any:
        handle = await world.server.command(name, options, **kw)
        interactions.append(handle.payload["id"])
        return await handle.response()

    for language in ("en", "zh-Hans", "zh-Hant"):
        for name, options in [
            ("summary", {"story": "qwen-core-team-departs"}),
            ("summary", {"story": "qwen-exodus-crypto-reading"}),
            ("people", {}),
            ("people", {"name": "lin"}),
            ("timeline", {"story": "long-story"}),
            ("glossary", {"term": "P10"}),
            ("briefs", {}),
            ("people", {"name": "no such person " * 20}),
        ]:
            await run(name, {**options, "language": language})
    paged = await run("timeline", {"story": "long-story"})
    message = components_message(paged, world.server)
    for label in ("Next", "Next", "Previous", "简体中文"):
        handle = await world.server.click(message, label)
        interactions.append(handle.payload["id"])
        await handle.response()
    await world.server.say(f"<@{BOT_ID}> timeline")
    await world.server.wait_for(lambda: [r for r in world.server.created(since) if "/channels/" in r.path], 5)
    return since, interactions


async def test_everything_sent_fits_discord_and_pings_nobody(world: World) -> None:
    since, _ = await make_traffic(world)
    checked = 0
    for request in world.server.created(since):
        body = request.body or {}
        if "/callback" in request.path:
            if body.get("type") not in (4, 7):
                continue
            body = body["data"]
        assert body.get("allowed_mentions", {}).get("parse") == [], request.path
        embeds = body.get("embeds") or []
        assert len(embeds) <= 10
        total = 0
        for embed in embeds:
            assert len(embed.get("title", "")) <= TITLE
            assert len(embed.get("description", "")) <= DESCRIPTION
            assert len(embed.get("fields", [])) <= FIELDS
            for field in embed.get("fields", []):
                assert 0 < len(field["name"]) <= FIELD_NAME
                assert 0 < len(field["value"]) <= FIELD_VALUE
            assert len(embed.get("footer", {}).get("text", "")) <= FOOTER
            total += len(embed.get("title", "")) + len(embed.get("description", ""))
            total += len(embed.get("footer", {}).get("text", ""))
            total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
        assert total <= EMBED_TOTAL
        assert len(body.get("content") or "") <= 2000
        checked += 1
    assert checked >= 3 * 8 + 4 + 1


async def test_an_unexpected_failure_gets_a_generic_answer_and_a_logged_traceback(world: World) -> None:
    # A real fault in the store: a trigger makes the next write fail inside SQLite.
    db = sqlite3.connect(world.bot.workdir / "bot.sqlite3")
    db.execute(
        "CREATE TRIGGER fail BEFORE INSERT ON guild_settings BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    db.commit()
    try:
        body = await ask(world.server, "language", {"language": "zh-Hans"}, subcommand="set", **ADMIN)
    finally:
        db.execute("DROP TRIGGER fail")
        db.commit()
        db.close()
    assert body["data"]["flags"] & EPHEMERAL
    assert "Something went wrong on our side" in str(body)
    assert "disk on fire" not in str(body)
    await world.server.wait_for(lambda: "disk on fire" in world.bot.log(), 5)
    world.expected_tracebacks += 1


async def test_every_interaction_was_answered_within_discords_deadline(world: World) -> None:
    # A correctness bound, not a benchmark: Discord drops an interaction not answered within 3 s.
    _, interactions = await make_traffic(world)
    assert len(interactions) > 25
    for interaction_id in interactions:
        assert interaction_id in world.server.callbacks, interaction_id
        sent_at = world.server.dispatched[interaction_id]
        assert world.server.callbacks[interaction_id].at - sent_at < 3.0


async def test_dev_guild_gets_commands_at_once_and_global_is_left_alone(tmp_path: Path) -> None:
    async with LoopbackDiscord() as server:
        bot = BotProcess(tmp_path, {**server.env(), "DEV_GUILD_ID": str(GUILD_ID)})
        await bot.start()
        try:
            await server.wait_for(lambda: server.command_puts, 60)
        finally:
            await bot.stop()
    assert list(server.commands) == [str(GUILD_ID)]
    assert {c["name"] for c in server.commands[str(GUILD_ID)]} >= {"summary", "language"}
