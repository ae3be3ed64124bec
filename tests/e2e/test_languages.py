"""Whose language a reply is in, step by step, against the real bot process and a loopback Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tests.e2e.bot_process import running_bot
from tests.e2e.discord_server import (
    ADMIN_ID,
    BOT_ID,
    CHANNEL_ID,
    FORUM,
    FORUM_ID,
    MANAGE_CHANNELS,
    MEMBER_ID,
    OTHER_CHANNEL_ID,
    LoopbackDiscord,
    embeds_of,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

EPHEMERAL = 64
ADMIN = {"user_id": ADMIN_ID, "permissions": 0x7FFFFFFF}
STORY = {"story": "qwen-core-team-departs"}
# The lead's name tells the script of a whole reply apart.
NAMES = {"en": "Lin Junyang", "zh-Hans": "林俊旸", "zh-Hant": "林俊暘"}
SAVER = MEMBER_ID + 1  # saves zh-Hant for themselves
PLAIN = MEMBER_ID + 2  # saves nothing


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LoopbackDiscord]:
    # The server's preferred locale is Simplified Chinese, so that step of the chain can be seen.
    workdir = tmp_path_factory.mktemp("bot")
    forum = {FORUM_ID: FORUM}
    async with (
        LoopbackDiscord(guild_locale="zh-CN", channel_types=forum) as loopback,
        running_bot(loopback, workdir),
    ):
        await loopback.wait_for(lambda: loopback.command_puts, 30)
        yield loopback


async def ask(server: LoopbackDiscord, name: str, options: dict[str, Any] | None = None, **kw: Any) -> dict:
    handle = await server.command(name, options, **kw)
    return (await handle.response()).body


def text(body: dict[str, Any]) -> str:
    return "\n".join(
        f"{e.get('title', '')}\n{e.get('description', '')}\n"
        + "\n".join(f["value"] for f in e.get("fields", []))
        for e in embeds_of(body)
    )


async def language_of(server: LoopbackDiscord, **kw: Any) -> str:
    """The language /summary answers in for this person, place and Discord language."""
    found = [lang for lang, name in NAMES.items() if name in text(await ask(server, "summary", STORY, **kw))]
    assert len(found) == 1, found
    return found[0]


async def test_the_chain_step_by_step(server: LoopbackDiscord) -> None:
    saved = await ask(server, "language", {"language": "zh-Hant"}, subcommand="me", user_id=SAVER)
    assert saved["data"]["flags"] & EPHEMERAL
    assert "繁體中文" in text(saved)
    channel = await ask(
        server, "language", {"language": "en", "channel": CHANNEL_ID}, subcommand="set", **ADMIN
    )
    assert f"<#{CHANNEL_ID}>" in text(channel)
    await ask(server, "language", {"language": "zh-Hans"}, subcommand="set", **ADMIN)

    # 1. The command's option beats everything.
    assert await language_of(server, user_id=SAVER, locale="zh-TW") == "zh-Hant"
    body = await ask(server, "summary", {**STORY, "language": "en"}, user_id=SAVER)
    assert NAMES["en"] in text(body)
    # 2. A saved language beats the channel's (English here).
    assert await language_of(server, user_id=SAVER, channel_id=CHANNEL_ID) == "zh-Hant"
    # 3. The channel's beats the server's and the reader's Discord language.
    assert await language_of(server, user_id=PLAIN, channel_id=CHANNEL_ID, locale="zh-TW") == "en"
    # 4. The server's beats the reader's Discord language.
    assert await language_of(server, user_id=PLAIN, channel_id=OTHER_CHANNEL_ID, locale="zh-TW") == "zh-Hans"
    # 5. With no server choice, the reader's Discord language.
    await ask(server, "language", {"language": "auto"}, subcommand="set", **ADMIN)
    assert await language_of(server, user_id=PLAIN, channel_id=OTHER_CHANNEL_ID, locale="zh-TW") == "zh-Hant"
    # 6. A Discord language we do not serve: the server's preferred locale.
    assert await language_of(server, user_id=PLAIN, channel_id=OTHER_CHANNEL_ID, locale="fr") == "zh-Hans"
    # 7. In DMs with nothing else known: the default.
    assert await language_of(server, user_id=PLAIN, in_guild=False, locale="fr") == "en"


@pytest.mark.parametrize(
    ("who", "where", "expected"),
    [
        ({"user_id": SAVER}, {"channel_id": CHANNEL_ID}, ["繁體中文", "你用 /language me 儲存的語言"]),
        (
            {"user_id": PLAIN, "locale": "zh-TW"},
            {"channel_id": CHANNEL_ID},
            ["English", "this channel's language"],
        ),
        (
            {"user_id": PLAIN, "locale": "zh-TW"},
            {"channel_id": OTHER_CHANNEL_ID},
            ["繁體中文", "你的 Discord 語言"],
        ),
        (
            {"user_id": PLAIN, "locale": "fr"},
            {"channel_id": OTHER_CHANNEL_ID},
            ["简体中文", "本服务器在 Discord 中的首选语言"],
        ),
        ({"user_id": PLAIN, "locale": "fr"}, {"in_guild": False}, ["English", "the bot's default language"]),
    ],
)
async def test_show_says_which_step_decided_in_the_readers_language(
    server: LoopbackDiscord, who: dict[str, Any], where: dict[str, Any], expected: list[str]
) -> None:
    # Runs after the chain test: channel-0 is English, no server language, SAVER saved zh-Hant.
    body = await ask(server, "language", subcommand="show", **who, **where)
    assert body["data"]["flags"] & EPHEMERAL
    shown = text(body)
    for part in expected:
        assert part in shown, shown


async def test_a_language_saved_in_dms_follows_the_person_into_servers(server: LoopbackDiscord) -> None:
    person = MEMBER_ID + 3
    body = await ask(
        server, "language", {"language": "zh-Hans"}, subcommand="me", user_id=person, in_guild=False
    )
    assert "简体中文" in text(body)
    assert await language_of(server, user_id=person, channel_id=CHANNEL_ID, locale="en-US") == "zh-Hans"
    assert await language_of(server, user_id=person, in_guild=False, locale="zh-TW") == "zh-Hans"
    # Cleared, the channel decides again.
    body = await ask(
        server, "language", {"language": "auto"}, subcommand="me", user_id=person, in_guild=False
    )
    assert "cleared" in text(body)
    assert await language_of(server, user_id=person, channel_id=CHANNEL_ID, locale="zh-TW") == "en"


async def test_a_mention_answers_in_the_askers_saved_language(server: LoopbackDiscord) -> None:
    since = len(server.requests)
    await server.say(f"<@{BOT_ID}> who is Lin Junyang", author_id=SAVER)
    sent = await server.wait_for(lambda: [r for r in server.created(since) if "/channels/" in r.path], 5)
    assert NAMES["zh-Hant"] in text(sent[0].body)


async def test_manage_channels_may_set_a_channel_but_not_the_server(server: LoopbackDiscord) -> None:
    moderator = {"user_id": MEMBER_ID + 4, "permissions": MANAGE_CHANNELS | 0x0000_0000_0006_4C40}
    body = await ask(
        server,
        "language",
        {"language": "zh-Hant", "channel": OTHER_CHANNEL_ID},
        subcommand="set",
        **moderator,
    )
    assert not body["data"].get("flags", 0) & EPHEMERAL
    assert "繁體中文" in text(body)
    assert await language_of(server, user_id=PLAIN, channel_id=OTHER_CHANNEL_ID, locale="en-US") == "zh-Hant"
    body = await ask(server, "language", {"language": "en"}, subcommand="set", **moderator)
    assert body["data"]["flags"] & EPHEMERAL
    assert "You need the Manage Server permission to change this." in text(body)
    member = {"user_id": MEMBER_ID + 5}
    body = await ask(
        server, "language", {"language": "en", "channel": OTHER_CHANNEL_ID}, subcommand="set", **member
    )
    assert "You need the Manage Server or Manage Channels permission to change this." in text(body)
    await ask(
        server, "language", {"language": "auto", "channel": OTHER_CHANNEL_ID}, subcommand="set", **ADMIN
    )
    assert await language_of(server, user_id=PLAIN, channel_id=OTHER_CHANNEL_ID, locale="en-US") == "en"


async def test_a_thread_reads_in_its_parent_channels_language(server: LoopbackDiscord) -> None:
    headers = {"Authorization": f"Bot {server.token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        post = {"name": "A question", "message": {"content": "who left?"}}
        async with http.post(f"{server.api_base}/channels/{FORUM_ID}/threads", json=post) as response:
            thread = int((await response.json())["id"])
    await ask(server, "language", {"language": "zh-Hant", "channel": FORUM_ID}, subcommand="set", **ADMIN)
    assert await language_of(server, user_id=PLAIN, channel_id=thread, locale="en-US") == "zh-Hant"
