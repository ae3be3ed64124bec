"""The loopback Discord's own rules, checked over HTTP: what it refuses, it refuses as Discord does."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest_asyncio

from tests.e2e.discord_server import (
    CHANNEL_ID,
    FORUM,
    FORUM_ID,
    GUILD_ID,
    NEWS,
    NEWS_ID,
    READERS_ROLE_ID,
    LoopbackDiscord,
    aged,
    pings,
)

DISCORD_EPOCH_MS = 1420070400000


@pytest_asyncio.fixture
async def api() -> AsyncIterator[tuple[LoopbackDiscord, aiohttp.ClientSession]]:
    async with LoopbackDiscord(channel_types={FORUM_ID: FORUM, NEWS_ID: NEWS}) as server:
        headers = {"Authorization": f"Bot {server.token}"}
        async with aiohttp.ClientSession(server.api_base + "/", headers=headers) as session:
            yield server, session


async def call(session: aiohttp.ClientSession, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    async with session.request(method, path.lstrip("/"), json=body) as response:
        return response.status, await response.json()


async def test_crossposting_only_in_announcement_channels_and_only_once(api: Any) -> None:
    server, session = api
    _, text = await call(session, "POST", f"/channels/{CHANNEL_ID}/messages", {"content": "hi"})
    status, body = await call(session, "POST", f"/channels/{CHANNEL_ID}/messages/{text['id']}/crosspost")
    assert (status, body["code"]) == (400, 50024)
    _, news = await call(session, "POST", f"/channels/{NEWS_ID}/messages", {"content": "news"})
    status, body = await call(session, "POST", f"/channels/{NEWS_ID}/messages/{news['id']}/crosspost")
    assert status == 200
    assert body["flags"] & 1
    status, body = await call(session, "POST", f"/channels/{NEWS_ID}/messages/{news['id']}/crosspost")
    assert (status, body["code"]) == (400, 40033)
    status, body = await call(session, "POST", f"/channels/{NEWS_ID}/messages/123/crosspost")
    assert (status, body["code"]) == (404, 10008)
    assert server.crossposts == [news["id"]]


async def test_a_forum_takes_posts_with_a_title_and_no_plain_messages(api: Any) -> None:
    server, session = api
    status, body = await call(session, "POST", f"/channels/{FORUM_ID}/messages", {"content": "x"})
    assert (status, body["code"]) == (400, 50008)
    status, body = await call(session, "POST", f"/channels/{FORUM_ID}/threads", {"message": {"content": "x"}})
    assert (status, body["code"]) == (400, 50035)
    status, body = await call(
        session, "POST", f"/channels/{CHANNEL_ID}/threads", {"name": "t", "message": {}}
    )
    assert (status, body["code"]) == (400, 50024)
    status, body = await call(
        session,
        "POST",
        f"/channels/{FORUM_ID}/threads",
        {"name": "24 November 2026", "message": {"content": "x"}},
    )
    assert status == 200
    assert (body["parent_id"], body["name"], body["message"]["channel_id"]) == (
        str(FORUM_ID),
        "24 November 2026",
        body["id"],
    )
    # A reconnecting client learns of the post from GUILD_CREATE, as from Discord.
    assert [t["id"] for t in server.guild_object()["threads"]] == [body["id"]]
    status, _ = await call(session, "POST", f"/channels/{body['id']}/messages", {"content": "more"})
    assert status == 200


def test_pings_follow_allowed_mentions() -> None:
    content = f"@everyone <@&{READERS_ROLE_ID}> <@&{GUILD_ID}>"
    assert pings(content, None) == {
        "mention_roles": [str(READERS_ROLE_ID), str(GUILD_ID)],
        "mention_everyone": True,
    }
    assert pings(content, {"parse": []}) == {"mention_roles": [], "mention_everyone": False}
    only = {"parse": [], "roles": [READERS_ROLE_ID]}
    assert pings(content, only) == {"mention_roles": [str(READERS_ROLE_ID)], "mention_everyone": False}


def test_an_aged_message_has_an_id_and_timestamp_from_back_then() -> None:
    message = aged({"id": "1", "content": "x"}, days=30)
    created = dt.datetime.fromtimestamp(((int(message["id"]) >> 22) + DISCORD_EPOCH_MS) / 1000, dt.UTC)
    assert abs((dt.datetime.now(dt.UTC) - created) - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
    # The id holds milliseconds; the timestamp is the same moment.
    assert abs(dt.datetime.fromisoformat(message["timestamp"]) - created) < dt.timedelta(milliseconds=1)
