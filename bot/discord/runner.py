"""The standalone bot: a discord.py client that loads the briefing extension and nothing else."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
import signal
import sys
from typing import Any

import discord
import yarl
from discord.ext import commands

from bot import startup
from bot.config import Settings
from bot.discord.upkeep import NAME as UPKEEP
from bot.discord.upkeep import UpkeepCog

log = logging.getLogger(__name__)


def point_at(settings: Settings) -> None:
    """Send REST and gateway traffic where the settings say (Discord, a proxy, or a test server)."""
    # discord.py reads both from class attributes; there is no per-client option for them.
    discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


class BriefingBot(commands.AutoShardedBot):
    """A bot whose only feature is the briefing extension, connecting the shards it is given."""

    def __init__(self, settings: Settings) -> None:
        intents = discord.Intents.default()  # mention questions need no privileged intent
        # Unset: as many shards as Discord recommends, all in this process (one for a small bot).
        shards: dict[str, Any] = {"shard_count": settings.shard_count}
        if settings.shard_ids is not None:
            shards["shard_ids"] = list(settings.shard_ids)
        super().__init__(
            command_prefix=(),
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **shards,
        )
        self.settings = settings

    async def setup_hook(self) -> None:
        """Load the extension and sync commands only when they changed; then collect garbage again."""
        await self.load_extension("bot")
        await self.sync_commands()
        startup.step("commands")
        # `python -m bot` paused the collector for the start-up: what exists now lives as long as the
        # process, so it is frozen out of the collector's view before collection resumes.
        gc.freeze()
        gc.enable()

    async def sync_commands(self) -> bool:
        """Sync to the development server when one is set, else globally; skip when the hash matches."""
        upkeep = self.get_cog(UPKEEP)
        if not isinstance(upkeep, UpkeepCog):
            raise RuntimeError("the briefing extension is not loaded")
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        translator = self.tree.translator
        payload = [
            await command.get_translated_payload(self.tree, translator)
            if translator
            else command.to_dict(self.tree)
            for command in self.tree.get_commands(guild=guild)
        ]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        app_id = self.application_id or (await self.application_info()).id
        key = f"command-sync:{app_id}:{guild.id if guild else 'global'}"
        # Every process of a deployment starts here, several at once in a rolling deploy: the lock makes
        # the first one sync and the others find the hash already recorded.
        async with upkeep.store.lock(f"command-sync:{app_id}"):
            if await upkeep.store.get_meta(key) == digest:
                log.info("commands unchanged; not syncing")
                return False
            await self.tree.sync(guild=guild)
            await upkeep.store.set_meta(key, digest)
        log.info("synced %d commands %s", len(payload), f"to guild {guild.id}" if guild else "globally")
        return True

    async def reload_content(self) -> None:
        """Reload cards and catalogs now (SIGHUP)."""
        upkeep = self.get_cog(UPKEEP)
        if isinstance(upkeep, UpkeepCog):
            await upkeep.reload()

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: chat questions are answered by the extension's own listener."""

    async def on_connect(self) -> None:
        """The first session is up and interactions flow: say how long the start took, and where."""
        startup.step("gateway")
        if took := startup.report():
            log.info("start-up: answering %s", took)

    async def on_ready(self) -> None:
        """Note who we are once every server has arrived."""
        log.info("ready as %s (%s) in %d servers", self.user, self.user and self.user.id, len(self.guilds))


async def _serve(settings: Settings) -> None:
    bot = BriefingBot(settings)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.create_task(bot.reload_content()))
    if settings.discord_token is None:
        raise ValueError("the bot needs DISCORD_TOKEN")
    async with bot:
        runner = asyncio.create_task(bot.start(settings.discord_token.get_secret_value()))
        stopper = asyncio.create_task(stopping.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("shutting down")
        await bot.close()
        stopper.cancel()
        if runner in done:
            runner.result()  # a login or connection failure surfaces with its own message
        # Stopped while a shard was still connecting, discord.py retries the connection every 5 s and
        # can miss one cancellation inside its time-out: cancel until the start task has really ended.
        while not runner.done():
            runner.cancel()
            await asyncio.wait({runner}, timeout=1.0)


def run(settings: Settings) -> int:
    """Run until SIGTERM or Ctrl-C; resources open in setup_hook and close on shutdown."""
    point_at(settings)
    # Loading and laying out run in worker threads; a shorter GIL switch interval lets the event loop
    # back in sooner while one of them computes, so answers do not queue behind it.
    sys.setswitchinterval(0.001)
    try:
        asyncio.run(_serve(settings))
    except discord.LoginFailure:
        log.error("Discord refused the token (DISCORD_TOKEN)")
        return 1
    except commands.ExtensionFailed as exc:
        # A start-up refusal (content, store) is a message for the operator, not a traceback.
        log.error("the briefing extension could not start: %s", exc.original)
        return 1
    return 0
