"""The daily digest end to end: set in chat, posted once in the server's language, even across a kill."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
from pathlib import Path

import pytest

from tests.e2e.bot_process import running_bot
from tests.e2e.conftest import ADMIN, EPHEMERAL, ask
from tests.e2e.discord_server import (
    CHANNEL_ID,
    OTHER_CHANNEL_ID,
    LoopbackDiscord,
    Request,
    embeds_of,
)


async def this_minute() -> str:
    """The current UTC minute as HH:MM, with time left in it to act."""
    now = dt.datetime.now(dt.UTC)
    if now.second > 45:
        await asyncio.sleep(61 - now.second)
        now = dt.datetime.now(dt.UTC)
    return now.strftime("%H:%M")


def digest_posts(server: LoopbackDiscord, channel: int = CHANNEL_ID) -> list[Request]:
    return [
        r
        for r in server.requests
        if r.method == "POST" and r.path == f"/channels/{channel}/messages" and (r.body or {}).get("nonce")
    ]


def history_reads(server: LoopbackDiscord, channel: int = CHANNEL_ID) -> list[Request]:
    return [r for r in server.requests if r.method == "GET" and r.path == f"/channels/{channel}/messages"]


@pytest.mark.parametrize(
    "moment",
    [
        "before Discord accepted the post",
        "after Discord accepted the post",
        "after Discord accepted the post, restarted after its nonce window",
    ],
)
async def test_posted_once_in_the_servers_language_even_when_killed_mid_post(
    tmp_path: Path, moment: str
) -> None:
    # The restarted process finds the digest leased to the one that died: it is its again after the lease.
    async with LoopbackDiscord() as server, running_bot(server, tmp_path, DIGEST_LEASE="4") as bot:
        await ask(server, "language", {"language": "zh-Hant"}, subcommand="set", **ADMIN)
        assert bot.process is not None

        # The worst moments: the bot dies with its post in flight, before or after Discord kept it.
        def kill(request: Request) -> bool:
            bot.process.send_signal(signal.SIGKILL)
            return moment.startswith("before")

        if moment.startswith("before"):
            server.before_post = kill
        else:
            server.on_post = kill
        body = await ask(
            server,
            "digest",
            {"channel": CHANNEL_ID, "time": await this_minute(), "timezone": "UTC"},
            subcommand="set",
            **ADMIN,
        )
        assert body["data"]["flags"] & EPHEMERAL
        assert "每日簡報已設定" in str(body)
        assert await asyncio.wait_for(bot.process.wait(), 15) == -signal.SIGKILL
        server.on_post = server.before_post = None
        assert len(digest_posts(server)) == 1
        if "nonce window" in moment:
            server.forget_nonces()  # a repeated nonce would now make a second message

        await bot.start()
        await server.wait_ready(60)
        # The unfinished claim makes the bot look for its own post in the channel first.
        await server.wait_for(lambda: history_reads(server), 15)
        if moment.startswith("before"):
            await server.wait_for(lambda: len(digest_posts(server)) >= 2, 15)
        await asyncio.sleep(1.0)
        attempts = digest_posts(server)
        # Posted again only when it was not there, and then with the same nonce.
        assert len(attempts) == (2 if moment.startswith("before") else 1)
        assert len({a.body["nonce"] for a in attempts}) == 1
        created = [m for m in server.messages if m["channel_id"] == str(CHANNEL_ID) and m["embeds"]]
        assert len([m for m in created if "/summary story:" in str(m["embeds"])]) == 1
        footer = embeds_of(attempts[0].body)[-1]["footer"]["text"]
        assert footer.endswith(f" · {attempts[0].body['nonce']}")  # the mark the bot looks for
        embeds = embeds_of(attempts[0].body)
        assert len(embeds) == 2
        assert "林俊暘" in str(embeds)
        assert attempts[0].body["allowed_mentions"] == {"parse": []}

        status = await ask(server, "digest", subcommand="status", **ADMIN)
        assert "上次發布" in str(status)
        assert "<t:" in str(status)
        preview = await ask(server, "digest", subcommand="preview", **ADMIN)
        assert "自上次簡報以來沒有新內容" in str(preview)  # everything was just posted
    assert " ERROR " not in bot.log(), bot.log()


async def test_forbidden_channel_pauses_with_a_reason_and_set_resumes(tmp_path: Path) -> None:
    async with LoopbackDiscord() as server, running_bot(server, tmp_path):
        refused = await ask(
            server, "digest", {"channel": CHANNEL_ID, "time": "25:00"}, subcommand="set", **ADMIN
        )
        assert "is not a time. Use HH:MM, e.g. 08:30." in str(refused)
        refused = await ask(
            server,
            "digest",
            {"channel": CHANNEL_ID, "time": "08:00", "timezone": "Mars/Base"},
            subcommand="set",
            **ADMIN,
        )
        assert "Unknown time zone “Mars/Base”" in str(refused)
        member = await ask(server, "digest", subcommand="status", permissions=0)
        assert "Manage Server" in str(member)
        zones = await ask(
            server,
            "digest",
            {"channel": CHANNEL_ID, "time": "08:00", "timezone": "shang"},
            subcommand="set",
            focused="timezone",
            **ADMIN,
        )
        assert zones["data"]["choices"][0]["value"] == "Asia/Shanghai"

        server.fail("POST", rf"^/channels/{CHANNEL_ID}/messages$", 403, times=1)
        minute = await this_minute()
        await ask(
            server,
            "digest",
            {"channel": CHANNEL_ID, "time": minute, "timezone": "UTC"},
            subcommand="set",
            **ADMIN,
        )
        await server.wait_for(lambda: digest_posts(server), 10)
        await asyncio.sleep(1.0)
        status = await ask(server, "digest", subcommand="status", **ADMIN)
        assert "Paused: I may not post in that channel. Use /digest set to resume." in str(status)
        assert len(digest_posts(server)) == 1  # no retry storm

        await ask(
            server,
            "digest",
            {"channel": CHANNEL_ID, "time": minute, "timezone": "UTC"},
            subcommand="set",
            **ADMIN,
        )
        await server.wait_for(lambda: len(digest_posts(server)) == 2, 10)
        for _ in range(50):  # the post is recorded a moment after Discord has it
            status = await ask(server, "digest", subcommand="status", **ADMIN)
            if "Last post" in str(status):
                break
            await asyncio.sleep(0.1)
        assert "Paused" not in str(status)
        assert "Last post" in str(status)
        # A second channel gets a digest of its own; status lists both.
        await ask(
            server,
            "digest",
            {"channel": OTHER_CHANNEL_ID, "time": "23:59", "timezone": "UTC"},
            subcommand="set",
            **ADMIN,
        )
        status = await ask(server, "digest", subcommand="status", **ADMIN)
        assert f"<#{CHANNEL_ID}>" in str(status)
        assert f"<#{OTHER_CHANNEL_ID}>" in str(status)
        off = await ask(server, "digest", {"channel": OTHER_CHANNEL_ID}, subcommand="off", **ADMIN)
        assert "The daily digest is off." in str(off)
        status = await ask(server, "digest", subcommand="status", **ADMIN)
        assert f"<#{OTHER_CHANNEL_ID}>" not in str(status)
        off = await ask(server, "digest", subcommand="off", **ADMIN)
        assert "The daily digest is off." in str(off)
        status = await ask(server, "digest", subcommand="status", **ADMIN)
        assert "No daily digest is set." in str(status)


async def test_posted_in_simplified_chinese_for_a_server_that_chose_it(tmp_path: Path) -> None:
    async with LoopbackDiscord() as server, running_bot(server, tmp_path):
        await ask(server, "language", {"language": "zh-Hans"}, subcommand="set", **ADMIN)
        await ask(
            server,
            "digest",
            {"channel": CHANNEL_ID, "time": await this_minute()},
            subcommand="set",
            **ADMIN,
        )
        await server.wait_for(lambda: digest_posts(server), 10)
        embeds = str(embeds_of(digest_posts(server)[0].body))
        assert "林俊旸" in embeds
        assert "阅读全文" in embeds
