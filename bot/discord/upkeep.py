"""Background work of the extension: content reloads, the remote card pack, the digest scheduler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.digest import DigestScheduler
from bot.digest.scheduler import CYCLE
from bot.health import Health
from bot.store import Store
from bot.updates import FolderWatch, Reloader, RemotePack

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

NAME = "Briefing upkeep"
PACK_VERSION = "card-pack-etag"  # the ETag of the newest valid card pack any process has taken


RELOAD, FETCH = "content reload", "card pack fetch"
SCHEDULER_MAX_AGE = 300.0  # the scheduler completes a cycle at least every 60 s when it is well


def max_age(period: float, slack: float) -> float:
    """How long a task with this period may go without a completed cycle before it counts as stale."""
    return 3 * period + slack


class UpkeepCog(commands.Cog, name=NAME):
    """Starts the background work on load and stops it, closing the store, on unload.

    Every cycle of every task is wrapped: an error is logged and the next cycle runs as usual, and
    each completed cycle is recorded in `health`, which a health loop logs and reports when stale.
    """

    def __init__(
        self,
        bot: commands.Bot,
        store: Store,
        scheduler: DigestScheduler,
        reloader: Reloader,
        *,
        reload_interval: float = 0,
        remote: RemotePack | None = None,
        remote_refresh: float = 300.0,
        health_interval: float = 60.0,
        health: Health | None = None,
        host_translator: app_commands.Translator | None = None,
    ) -> None:
        self.bot = bot
        self.store = store
        self.scheduler = scheduler
        self.reloader = reloader
        self.reload_interval = reload_interval
        self.remote = remote
        self.host_translator = host_translator
        self.health = health or Health()
        scheduler.on_cycle = self.health.completed
        self.folders = FolderWatch()
        self.watch = tasks.loop(seconds=reload_interval or 1)(self._reload_if_changed)
        self.watch.before_loop(self._after_one_interval)
        self.fetch = tasks.loop(seconds=remote_refresh)(self._fetch_pack)
        self.checkup = tasks.loop(seconds=health_interval)(self._check_health)
        if reload_interval > 0:
            self.health.register(RELOAD, max_age(reload_interval, 60))
        if remote is not None:
            self.health.register(FETCH, max_age(remote_refresh, remote.deadline + 60))
        self.health.register(CYCLE, SCHEDULER_MAX_AGE)
        self._scheduler_task: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None
        self._followed: str | None = None
        self._pack_lock = asyncio.Lock()
        self._reloading = asyncio.Lock()
        self._reported: set[str] = set()

    async def cog_load(self) -> None:
        """Start watching the content folders when asked to, the pack fetch and the health checkup."""
        if self.reload_interval > 0:
            self.watch.start()
        if self.remote is not None:
            self._http = self.remote.client()
            self.fetch.start()
        self.checkup.start()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Start the digest scheduler once: posting needs the gateway's view of servers and channels."""
        if self._scheduler_task is None:
            self._scheduler_task = asyncio.create_task(self.scheduler.run())

    @commands.Cog.listener("on_guild_available")
    @commands.Cog.listener("on_guild_join")
    async def remember_locale(self, guild: discord.Guild) -> None:
        """Keep a server's preferred locale where every process can read it, for digests posted elsewhere."""
        await self.store.set_guild_locale(guild.id, guild.preferred_locale.value)

    @commands.Cog.listener()
    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        """A server changed its preferred locale."""
        if before.preferred_locale != after.preferred_locale:
            await self.remember_locale(after)

    async def cog_unload(self) -> None:
        """Stop the background work, close the store, give the host back the translator it had."""
        self.watch.cancel()
        self.folders.stop()
        self.fetch.cancel()
        self.checkup.cancel()
        if self._http is not None:
            await self._http.aclose()
        if self._scheduler_task is not None:
            self._scheduler_task.cancel()
        await self.store.close()
        await self.bot.tree.set_translator(self.host_translator)

    async def reload(self) -> bool:
        """Validate the content folders now and swap them in if they are good (SIGHUP calls this)."""
        # One load at a time; validation runs in a thread, the swap here, between two interactions.
        async with self._reloading:
            return self.reloader.apply(await asyncio.to_thread(self.reloader.load))

    async def _cycle(self, name: str, work: Callable[[], Awaitable[object]]) -> None:
        """Run one cycle of a task: any error is logged and the task carries on; completion is recorded."""
        try:
            await work()
        except Exception:
            log.exception("%s: a cycle failed; the task carries on", name)
            return
        self.health.completed(name)

    async def _fetch_pack(self) -> None:
        """Fetch the remote card pack; a new valid one becomes what is served, and the others are told."""
        await self._cycle(FETCH, self._fetch_once)

    async def _fetch_once(self) -> None:
        if self.remote is None or self._http is None:
            return
        # The periodic fetch and a fetch on another process's word may meet: one at a time, the second
        # then asks with the new ETag and gets a 304.
        async with self._pack_lock:
            if not await self.remote.refresh(self._http):
                return
            self.reloader.briefs_dir = self.remote.briefs_dir
            self.reloader.locales_dir = self.remote.locales_dir
            await self.reload()
            if self.remote.etag:
                await self.store.set_meta(PACK_VERSION, self.remote.etag)

    async def _follow_pack(self) -> None:
        """Fetch now when another process of the deployment has taken a newer pack than this one serves."""
        if self.remote is None:
            return
        wanted = await self.store.get_meta(PACK_VERSION)
        # Tried once per version: a pack this process rejects is not fetched again on every tick.
        if wanted and wanted not in (self.remote.etag, self._followed):
            self._followed = wanted
            log.info("card pack %s is served by another process; fetching it", wanted)
            await self._fetch_pack()

    async def _after_one_interval(self) -> None:
        # The first look starts the watch: not while the bot is still starting. What changed meanwhile
        # is found by the first look, which compares every file with what was loaded.
        await asyncio.sleep(self.reload_interval)

    async def _reload_if_changed(self) -> None:
        await self._cycle(RELOAD, self._reload_once)

    async def _reload_once(self) -> None:
        reloader = self.reloader
        # The walk that compares every file runs only once the watch has seen something change.
        if self.folders.changed(reloader.briefs_dir, reloader.locales_dir) and await asyncio.to_thread(
            reloader.changed
        ):
            await self.reload()
        await self._follow_pack()

    async def _check_health(self) -> None:
        """Log how long ago each task completed a cycle, warn about stale ones and about the store."""
        try:
            tasks = self.health.tasks()
            for task in tasks:
                if task.stale:
                    log.warning(
                        "health: %s has not completed a cycle for %.0f s (limit %.0f s)",
                        task.name,
                        task.age,
                        task.max_age,
                    )
            problem = await self.store.problem()
            if problem is not None and problem not in self._reported:
                log.error("store: %s", problem)  # once per problem; the health line repeats it
            self._reported = {problem} if problem else set()
            state = "stale" if any(t.stale for t in tasks) else "store problem" if problem else "ok"
            ages = ", ".join(f"{t.name} {t.age:.0f}s ago" for t in tasks)
            log.info("health: %s; last completed cycles: %s", state, ages)
        except Exception:
            log.exception("health check failed; trying again at the next interval")
