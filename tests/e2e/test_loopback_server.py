"""The loopback Discord enforces the rules the end-to-end tests rely on: auth, limits, nonces, the gateway."""

from __future__ import annotations

import aiohttp
import pytest

from tests.e2e.discord_server import CHANNEL_ID, LoopbackDiscord


def auth(server: LoopbackDiscord) -> dict[str, str]:
    return {"Authorization": f"Bot {server.token}"}


async def test_rest_needs_the_bot_token() -> None:
    async with LoopbackDiscord() as server, aiohttp.ClientSession() as http:
        async with http.get(f"{server.api_base}/users/@me") as response:
            assert response.status == 401
        async with http.get(
            f"{server.api_base}/users/@me", headers={"Authorization": "Bot wrong"}
        ) as response:
            assert response.status == 401
        async with http.get(f"{server.api_base}/users/@me", headers=auth(server)) as response:
            assert response.status == 200


async def test_the_global_limit_answers_429_with_discords_headers() -> None:
    async with LoopbackDiscord(global_rate_limit=5) as server, aiohttp.ClientSession() as http:
        statuses = []
        for _ in range(7):
            async with http.get(f"{server.api_base}/users/@me", headers=auth(server)) as response:
                statuses.append(response.status)
                if response.status == 429:
                    assert response.headers["X-RateLimit-Global"] == "true"
                    assert 0 < (await response.json())["retry_after"] <= 1.0
    assert statuses == [200] * 5 + [429, 429]
    assert server.rate_limited == 2


async def test_an_enforced_nonce_makes_one_message_however_often_it_is_sent() -> None:
    body = {"content": "hi", "nonce": "d123", "enforce_nonce": True}
    async with LoopbackDiscord() as server, aiohttp.ClientSession() as http:
        url = f"{server.api_base}/channels/{CHANNEL_ID}/messages"
        ids = []
        for _ in range(3):
            async with http.post(url, json=body, headers=auth(server)) as response:
                ids.append((await response.json())["id"])
        async with http.post(url, json={"content": "no nonce"}, headers=auth(server)) as response:
            ids.append((await response.json())["id"])
    assert ids[0] == ids[1] == ids[2] != ids[3]
    assert len(server.messages) == 2


async def test_an_unknown_channel_is_404_and_an_injected_fault_fires_as_often_as_asked() -> None:
    async with LoopbackDiscord() as server, aiohttp.ClientSession() as http:
        async with http.post(
            f"{server.api_base}/channels/1/messages", json={"content": "x"}, headers=auth(server)
        ) as response:
            assert response.status == 404
            assert (await response.json())["code"] == 10003
        server.fail("POST", rf"/channels/{CHANNEL_ID}/messages$", 503, times=2)
        statuses = []
        for _ in range(3):
            async with http.post(
                f"{server.api_base}/channels/{CHANNEL_ID}/messages",
                json={"content": "x"},
                headers=auth(server),
            ) as response:
                statuses.append(response.status)
    assert statuses == [503, 503, 200]


@pytest.mark.parametrize(("token", "ready"), [("loopback-token", True), ("wrong", False)])
async def test_the_gateway_says_hello_and_identifies_only_the_right_token(token: str, ready: bool) -> None:
    async with LoopbackDiscord() as server, aiohttp.ClientSession() as http:
        async with http.ws_connect(server.gateway_url) as ws:
            hello = await ws.receive_json(timeout=5)
            assert hello["op"] == 10
            await ws.send_json({"op": 2, "d": {"token": token, "intents": 0, "properties": {}}})
            if ready:
                names = [(await ws.receive_json(timeout=5))["t"] for _ in range(2)]
                assert names == ["READY", "GUILD_CREATE"]
            else:
                closing = await ws.receive(timeout=5)
                assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
                assert ws.close_code == 4004
        assert server.identifies == (1 if ready else 0)
