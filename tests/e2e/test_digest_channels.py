"""Several digests per server, end to end: their languages, topics, forum posts, announcements and roles."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import time
from pathlib import Path
from typing import Any

from babel.dates import format_date

from bot.core.content import short_key
from tests.e2e.bot_process import running_bot
from tests.e2e.discord_server import (
    ADMIN_ID,
    CHANNEL_ID,
    FORUM,
    FORUM_ID,
    GUILD_ID,
    MEMBER_ID,
    NEWS,
    NEWS_ID,
    OTHER_CHANNEL_ID,
    READERS_ROLE_ID,
    VOICE,
    VOICE_ID,
    ChannelRef,
    LoopbackDiscord,
    RoleRef,
    embeds_of,
)

ADMIN = {"user_id": ADMIN_ID, "permissions": 0x7FFFFFFF}
EPHEMERAL = 64
CRYPTO_CARD = "qwen-exodus-crypto-reading"
KINDS = {FORUM_ID: FORUM, NEWS_ID: NEWS, VOICE_ID: VOICE}


async def ask(server: LoopbackDiscord, name: str, options: dict[str, Any] | None = None, **kw: Any) -> dict:
    handle = await server.command(name, options, **kw)
    return (await handle.response()).body


def text(body: dict[str, Any]) -> str:
    """Every embed's visible text, and the plain content."""
    parts = [body.get("content") or ""]
    for embed in embeds_of(body):
        parts += [
            embed.get("title", ""),
            embed.get("description", ""),
            embed.get("footer", {}).get("text", ""),
        ]
    return "\n".join(parts)


def posts_in(server: LoopbackDiscord, channel: int) -> list[dict[str, Any]]:
    """Digest messages in a channel (sent with a nonce), or in the posts of a forum."""
    threads = {t["id"] for t in server.threads if t["parent_id"] == str(channel)}
    return [
        m
        for m in server.messages
        if (m["channel_id"] == str(channel) and m.get("nonce")) or m["channel_id"] in threads
    ]


async def minute_from_now(offset: int) -> str:
    """The UTC minute `offset` minutes from now, as HH:MM, with time left in this one to act."""
    now = dt.datetime.now(dt.UTC)
    if now.second > 45:
        await asyncio.sleep(61 - now.second)
        now = dt.datetime.now(dt.UTC)
    return (now + dt.timedelta(minutes=offset)).strftime("%H:%M")


async def set_digest(server: LoopbackDiscord, **options: Any) -> dict[str, Any]:
    return await ask(server, "digest", {"timezone": "UTC", **options}, subcommand="set", **ADMIN)


async def test_two_digests_in_two_channels_two_languages_and_two_times(tmp_path: Path) -> None:
    async with LoopbackDiscord() as server, running_bot(server, tmp_path):
        first, second = await minute_from_now(0), await minute_from_now(1)
        body = await set_digest(server, channel=CHANNEL_ID, time=first, language="en")
        assert body["data"]["flags"] & EPHEMERAL
        body = await set_digest(
            server, channel=OTHER_CHANNEL_ID, time=second, language="zh-Hans", topics="加密"
        )
        status = text(body)
        assert f"<#{CHANNEL_ID}>" in status
        assert f"<#{OTHER_CHANNEL_ID}>" in status
        assert "Topics: Crypto" in status  # the topic typed in Chinese, stored by id, shown in the reader's
        assert status.count("<t:") >= 2  # each digest's next post as a Discord timestamp
        preview = await ask(server, "digest", {"channel": OTHER_CHANNEL_ID}, subcommand="preview", **ADMIN)
        assert len(embeds_of(preview)) == 1  # that digest's topics and language, before it posts
        assert CRYPTO_CARD in text(preview["data"])
        assert "阅读全文" in text(preview["data"])

        await server.wait_for(lambda: posts_in(server, CHANNEL_ID), 30)
        assert posts_in(server, OTHER_CHANNEL_ID) == []  # not its time yet
        await server.wait_for(lambda: posts_in(server, OTHER_CHANNEL_ID), 90)
        await asyncio.sleep(2)  # time enough for a second post, which must not come

        english, chinese = posts_in(server, CHANNEL_ID), posts_in(server, OTHER_CHANNEL_ID)
        assert len(english) == len(chinese) == 1
        assert len(english[0]["embeds"]) == 2  # every story: this digest has no topics
        assert "Read more" in text(english[0])
        assert "阅读全文" not in text(english[0])
        assert len(chinese[0]["embeds"]) == 1  # only the crypto story
        assert CRYPTO_CARD in text(chinese[0])
        assert "阅读全文" in text(chinese[0])
        menu = chinese[0]["components"][0]["components"][0]
        assert [o["value"] for o in menu["options"]] == [short_key(CRYPTO_CARD)]

        # A member reads the Simplified digest in Traditional, privately, and opens its story.
        clicked = await (await server.click(chinese[0], "繁體中文", user_id=MEMBER_ID)).response()
        assert clicked.body["data"]["flags"] & EPHEMERAL
        assert "閱讀全文" in text(clicked.body["data"])
        assert "阅读全文" not in text(clicked.body["data"])
        opened = await (await server.select(chinese[0], short_key(CRYPTO_CARD), locale="zh-TW")).response()
        assert opened.body["data"]["flags"] & EPHEMERAL
        assert "觀點" in embeds_of(opened.body)[0]["title"]  # the story's title, in the reader's script
        assert "Source" not in text(opened.body["data"])


async def test_forum_post_titled_with_the_date_and_an_announcement_crossposted(tmp_path: Path) -> None:
    async with LoopbackDiscord(channel_types=KINDS) as server, running_bot(server, tmp_path):
        minute = await minute_from_now(0)
        body = await set_digest(server, channel=FORUM_ID, time=minute, language="zh-Hant")
        assert "新論壇貼文" in text(body) or "new forum post" in text(body)
        await set_digest(server, channel=NEWS_ID, time=minute, language="en", role=RoleRef(READERS_ROLE_ID))
        await server.wait_for(lambda: server.threads and server.crossposts, 30)

        (thread,) = server.threads
        today = dt.datetime.now(dt.UTC).date()
        assert thread["name"] == format_date(today, "long", locale="zh_Hant_TW")
        assert thread["parent_id"] == str(FORUM_ID)
        (post,) = posts_in(server, FORUM_ID)
        assert "閱讀全文" in text(post)
        assert post["components"]  # the forum post carries the menu and language buttons too

        (news,) = posts_in(server, NEWS_ID)
        assert server.crossposts == [news["id"]]
        # The role is pinged and nothing else: allowed_mentions names exactly that role.
        assert news["content"] == f"<@&{READERS_ROLE_ID}>"
        assert news["mention_roles"] == [str(READERS_ROLE_ID)]
        assert news["mention_everyone"] is False
        sent = next(r for r in server.requests if r.path == f"/channels/{NEWS_ID}/messages")
        assert sent.body["allowed_mentions"]["parse"] == []
        assert [str(r) for r in sent.body["allowed_mentions"]["roles"]] == [str(READERS_ROLE_ID)]
        assert [r for r in server.requests if r.path == f"/channels/{FORUM_ID}/messages"] == []


async def wait_for_last_post(server: LoopbackDiscord) -> str:
    """/digest status once it shows a last post (recorded a moment after Discord has it)."""
    deadline = time.monotonic() + 15
    while "Last post" not in (status := text(await ask(server, "digest", subcommand="status", **ADMIN))):
        assert time.monotonic() < deadline, status
        await asyncio.sleep(0.2)
    return status


async def test_a_forum_post_is_made_once_when_the_bot_dies_as_discord_makes_it(tmp_path: Path) -> None:
    # A short lease: the killed process's claim on the digest runs out soon after the restart.
    lease = {"DIGEST_LEASE": "4"}
    async with LoopbackDiscord(channel_types=KINDS) as server, running_bot(server, tmp_path, **lease) as bot:
        assert bot.process is not None
        process = bot.process
        # The worst moment: Discord has made the post, the bot dies before it hears back.
        server.on_post = lambda request: process.send_signal(signal.SIGKILL)
        await set_digest(server, channel=FORUM_ID, time=await minute_from_now(0))
        assert await asyncio.wait_for(process.wait(), 15) == -signal.SIGKILL
        server.on_post = None
        assert len(server.threads) == 1
        await bot.start()
        await server.wait_ready(60)
        await wait_for_last_post(server)  # the restarted bot found today's post by its title
        assert len(server.threads) == 1
        assert len(posts_in(server, FORUM_ID)) == 1


async def test_a_refused_crosspost_is_explained_and_the_post_still_counts(tmp_path: Path) -> None:
    async with LoopbackDiscord(channel_types=KINDS) as server, running_bot(server, tmp_path):
        server.fail("POST", rf"^/channels/{NEWS_ID}/messages/\d+/crosspost$", 403, times=5)
        await set_digest(server, channel=NEWS_ID, time=await minute_from_now(0))
        await server.wait_for(lambda: posts_in(server, NEWS_ID), 30)
        status = await wait_for_last_post(server)
        assert "was not published to following servers" in status
        assert "Paused" not in status
        assert server.crossposts == []


async def test_hostile_input_is_refused_clearly_and_nothing_is_set(tmp_path: Path) -> None:
    async with LoopbackDiscord(channel_types=KINDS) as server, running_bot(server, tmp_path):
        cases: list[tuple[dict[str, Any], str]] = [
            ({"topics": "@everyone, <@&123>"}, "Unknown topic “\\@everyone”"),
            ({"topics": "ai, " + "x" * 5000}, "Unknown topic “" + "x" * 10),
            ({"topics": "**bold**"}, "Unknown topic “\\*\\*bold\\*\\*”"),  # markdown shown as typed
            ({"topics": "ai'; DROP TABLE digest; --"}, "Unknown topic “ai'; DROP TABLE digest; \\-\\-”"),
            ({"channel": ChannelRef(VOICE_ID, VOICE)}, "This option cannot take"),
            ({"channel": ChannelRef(999, 0, guild_id=GUILD_ID + 1)}, "I cannot see that channel."),
            ({"role": RoleRef(GUILD_ID, "@everyone")}, "cannot be a digest's role"),
            ({"time": "<@&123>"}, "is not a time"),
            ({"language": "@here"}, "We have no briefings in “\\@here”"),
        ]
        for options, expected in cases:
            body = await set_digest(server, **{"channel": CHANNEL_ID, "time": "08:00", **options})
            shown = text(body["data"])
            assert body["data"]["flags"] & EPHEMERAL, options
            assert expected in shown, (options, shown)
            assert len(shown) < 400  # a refusal repeats the input, never at length
            assert body["data"]["allowed_mentions"]["parse"] == []
        status = await ask(server, "digest", subcommand="status", **ADMIN)
        assert "No daily digest is set." in text(status["data"])
        # Autocomplete offers the known topics in the reader's language, completing the last one.
        body = await ask(
            server,
            "digest",
            {"channel": CHANNEL_ID, "time": "08:00", "topics": "ai, 加"},
            subcommand="set",
            focused="topics",
            locale="zh-TW",
            **ADMIN,
        )
        assert [(c["name"], c["value"]) for c in body["data"]["choices"]] == [
            ("ai, 加密貨幣（Crypto）", "ai, crypto")
        ]
