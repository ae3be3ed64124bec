"""Secrets planted in every URL setting, the token and interaction tokens appear in no output at all."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.bot_process import ROOT, BotProcess, running_bot
from tests.e2e.discord_server import LoopbackDiscord, embeds_of

TOKEN = "discord-token-secret-55"
API_KEY = "apikey8c1d9e2f47b3a6050d"  # a path segment that carries a key, as some proxies use
GATEWAY_KEY = "gateway-secret-qs-31"
PACK_PASSWORD = "pack-password-77"
PACK_SIGNATURE = "pack-signature-88"
DB_PASSWORD = "db-password-99"
WEBHOOK_TOKEN = "webhook-token-secret-66"
SECRETS = (TOKEN, API_KEY, GATEWAY_KEY, PACK_PASSWORD, PACK_SIGNATURE, DB_PASSWORD, WEBHOOK_TOKEN)


def run_cli(workdir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "BRIEFS_", "DATABASE"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        check=False,
        cwd=workdir,
        env={
            **base,
            "BRIEFS_DIR": str(ROOT / "briefs"),
            "LOCALES_DIR": str(ROOT / "locales"),
            "PYTHONPATH": str(ROOT),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_no_secret_reaches_any_output(tmp_path: Path) -> None:
    outputs: list[str] = []
    async with LoopbackDiscord(token=TOKEN) as server:
        port = server.port
        env = {
            "LOG_LEVEL": "DEBUG",  # the level that logs raw gateway events and request URLs
            "DISCORD_API_BASE": f"http://127.0.0.1:{port}/proxy/{API_KEY}/api/v10",
            "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}/?key={GATEWAY_KEY}",
            "BRIEFS_URL": f"http://reader:{PACK_PASSWORD}@127.0.0.1:{port}/files/gone.json?sig={PACK_SIGNATURE}",
            "BRIEFS_REFRESH": "0.3",
        }
        async with running_bot(server, tmp_path, **env) as bot:
            handle = await server.command("summary", {"story": "qwen-core"})
            assert embeds_of((await handle.response()).body)
            button = await server.command("people", {"name": "nobody-at-all"})
            await button.response()
            await server.wait_for(lambda: len(server.file_requests) >= 2, 10)  # the pack answered 404
            await asyncio.sleep(0.5)
            interaction_tokens = [handle.token, button.token]
        assert any("/proxy/***/api/v10" in line for line in bot.log().splitlines())  # URLs are logged...
        assert "card pack: http://reader:***@127.0.0.1" in bot.log()  # ...redacted
        outputs.append(bot.log())

        # A database URL with a password and no server behind it: the start fails, and says so safely.
        refused = BotProcess(tmp_path / "pg", {**server.env(), **env})
        refused.workdir.mkdir()
        refused.env["DATABASE_URL"] = f"postgresql://bot:{DB_PASSWORD}@127.0.0.1:1/briefing"
        await refused.start()
        assert refused.process is not None
        assert await asyncio.wait_for(refused.process.wait(), 30) == 1
        assert "the briefing extension could not start: [Errno 111] Connect call failed" in refused.log()
        outputs.append(refused.log())

        # The webhook command, against a server whose error echoes the whole URL back.
        server.fail("POST", r"^/webhooks/", 400, message="Invalid webhook {url}")
        webhook = f"http://127.0.0.1:{port}/api/v10/webhooks/1/{WEBHOOK_TOKEN}?thread_id=70"
        result = await asyncio.to_thread(run_cli, tmp_path, "digest", "--webhook", webhook, LOG_LEVEL="DEBUG")
        assert result.returncode == 1
        assert "/webhooks/1/***?***" in result.stderr
        assert any(WEBHOOK_TOKEN in r.path for r in server.requests)  # it really was sent
        outputs += [result.stdout, result.stderr]

    # Bad settings echo their value: URLs only with their secrets replaced.
    result = run_cli(
        tmp_path,
        "check",
        DATABASE_URL=f"mysql://bot:{DB_PASSWORD}@db/briefing",
        BRIEFS_URL=f"http://reader:{PACK_PASSWORD}@packs.example/p.json?sig={PACK_SIGNATURE}",
        DISCORD_API_BASE=f"ftp://proxy.example/{API_KEY}/api",
        DISCORD_GATEWAY_URL=f"https://gateway.example/?key={GATEWAY_KEY}",
        DISCORD_TOKEN=TOKEN,
        DEV_GUILD_ID="not-a-snowflake",
    )
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 6  # "Invalid settings:" and one line per variable
    outputs += [result.stdout, result.stderr]

    everything = "\n".join(outputs)
    for secret in (*SECRETS, *interaction_tokens):
        assert secret not in everything, secret
