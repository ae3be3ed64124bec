"""`python -m bot digest --webhook URL`: one post per run over httpx, against the loopback Discord."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from tests.e2e.bot_process import ROOT
from tests.e2e.discord_server import LoopbackDiscord, embeds_of

TOKEN = "webhook-secret-token-123"


async def run_digest(server: LoopbackDiscord, *args: str) -> tuple[int, str]:
    url = f"{server.api_base}/webhooks/4242/{TOKEN}"
    env = {
        **os.environ,
        "LOG_LEVEL": "DEBUG",
        "BRIEFS_DIR": str(ROOT / "briefs"),
        "LOCALES_DIR": str(ROOT / "locales"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "digest",
        "--webhook",
        url,
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, output.decode()


def posts(server: LoopbackDiscord) -> list:
    return [r for r in server.requests if r.method == "POST" and r.path.startswith("/webhooks/4242/")]


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "Lin Junyang"), ("zh-Hans", "林俊旸"), ("zh-Hant", "林俊暘")]
)
async def test_posts_every_story_once_in_the_language(language: str, expected: str) -> None:
    async with LoopbackDiscord() as server:
        code, output = await run_digest(server, "--language", language)
    assert code == 0, output
    assert len(posts(server)) == 1
    body = posts(server)[0].body
    assert body["allowed_mentions"] == {"parse": []}
    assert len(embeds_of(body)) == 2
    assert expected in str(embeds_of(body))
    assert posts(server)[0].query.get("wait") == "true"
    assert TOKEN not in output


async def test_honours_429_retry_after_then_posts_once() -> None:
    async with LoopbackDiscord() as server:
        server.fail("POST", r"^/webhooks/", 429, times=2, retry_after=0.3)
        code, output = await run_digest(server, "--story", "qwen-core")
    assert code == 0, output
    attempts = posts(server)
    assert len(attempts) == 3
    assert attempts[2].at - attempts[1].at >= 0.3
    assert len(server.messages) == 1
    assert len(embeds_of(attempts[-1].body)) == 1
    assert TOKEN not in output


async def test_a_4xx_exits_non_zero_with_a_clear_message_and_no_token() -> None:
    async with LoopbackDiscord() as server:
        server.fail("POST", r"^/webhooks/", 404, times=1)
        code, output = await run_digest(server)
    assert code == 1
    assert "Webhook post failed" in output
    assert "404" in output
    assert "/webhooks/4242/***" in output
    assert TOKEN not in output
    assert len(posts(server)) == 1  # a 4xx is not retried


async def test_a_transient_5xx_is_retried() -> None:
    async with LoopbackDiscord() as server:
        server.fail("POST", r"^/webhooks/", 502, times=1)
        code, output = await run_digest(server, "--language", "zh-Hant")
    assert code == 0, output
    assert len(posts(server)) == 2


async def test_bad_arguments_are_named() -> None:
    async with LoopbackDiscord() as server:
        code, output = await run_digest(server, "--language", "klingon")
        assert code == 2
        assert "--language 'klingon'" in output
        code, output = await run_digest(server, "--story", "nothing-like-this")
        assert code == 2
        assert "--story" in output
    assert posts(server) == []
