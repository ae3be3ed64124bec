"""The operator's view of one process: Prometheus metrics and a health check over HTTP (METRICS_PORT)."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterator

import discord
from aiohttp import web
from discord.ext import commands
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.digest import DigestScheduler, Outcome

log = logging.getLogger(__name__)

ANSWER_DEADLINE = 3.5  # Discord shows "This interaction failed" when nothing answered within 3 seconds


class BotCollector(Collector):
    """Reads the live bot and scheduler at each scrape, so nothing is counted twice or kept elsewhere."""

    def __init__(self, bot: commands.Bot, scheduler: DigestScheduler, interactions: dict[str, int]) -> None:
        self.bot = bot
        self.scheduler = scheduler
        self.interactions = interactions

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        """The metrics as they are now."""
        shards = getattr(self.bot, "shards", None) or {}
        connected = GaugeMetricFamily("briefing_shards_connected", "Shards of this process connected now")
        connected.add_metric([], sum(1 for shard in shards.values() if not shard.is_closed()))
        yield connected
        latency = GaugeMetricFamily(
            "briefing_gateway_latency_seconds", "Heartbeat round trip of each shard", labels=["shard"]
        )
        for shard_id, seconds in getattr(self.bot, "latencies", [(0, self.bot.latency)]):
            if math.isfinite(seconds):  # NaN or inf until the first heartbeat
                latency.add_metric([str(shard_id)], seconds)
        yield latency
        answered = CounterMetricFamily(
            "briefing_interactions",
            "Interactions received, by whether this process answered within Discord's 3 seconds",
            labels=["result"],
        )
        for result in ("answered", "failed"):
            answered.add_metric([result], self.interactions.get(result, 0))
        yield answered
        digests = CounterMetricFamily(
            "briefing_digests", "Digests this process handled, by outcome", labels=["outcome"]
        )
        for outcome in Outcome:
            digests.add_metric([outcome.value], self.scheduler.outcomes.get(outcome, 0))
        yield digests
        late = CounterMetricFamily(
            "briefing_digests_late", "Digests posted more than a minute after their time"
        )
        late.add_metric([], self.scheduler.late)
        yield late
        waits = CounterMetricFamily(
            "briefing_rate_limit_waits", "Digest posts that waited for a slot of the shared rate budget"
        )
        waits.add_metric([], self.scheduler.limiter.waits)
        yield waits
        waited = CounterMetricFamily(
            "briefing_rate_limit_wait_seconds", "Time digest posts spent waiting for the shared rate budget"
        )
        waited.add_metric([], self.scheduler.limiter.waited)
        yield waited


class MetricsCog(commands.Cog, name="Briefing metrics"):
    """Serves /metrics (Prometheus text) and /health on 127.0.0.1:METRICS_PORT while loaded."""

    def __init__(
        self, bot: commands.Bot, scheduler: DigestScheduler, port: int, host: str = "127.0.0.1"
    ) -> None:
        self.bot = bot
        self.port = port
        self.host = host
        self.interactions: dict[str, int] = {"answered": 0, "failed": 0}
        self.registry = CollectorRegistry()
        self.registry.register(BotCollector(bot, scheduler, self.interactions))
        self._runner: web.AppRunner | None = None
        self._pending: set[asyncio.Task[None]] = set()

    async def cog_load(self) -> None:
        """Start the HTTP endpoint."""
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/health", self._health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("metrics on http://%s:%d/metrics", self.host, self.port)

    async def cog_unload(self) -> None:
        """Stop the endpoint and the pending answer checks."""
        for task in self._pending:
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _health(self, _request: web.Request) -> web.Response:
        """200 when every shard of this process is connected, 503 otherwise (a load balancer's probe)."""
        shards = getattr(self.bot, "shards", None) or {}
        up = self.bot.is_ready() and all(not shard.is_closed() for shard in shards.values())
        return web.Response(status=200 if up else 503, text="ok\n" if up else "not connected\n")

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Note, once Discord's deadline has passed, whether the interaction was answered."""
        task = asyncio.create_task(self._judge(interaction))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _judge(self, interaction: discord.Interaction) -> None:
        await asyncio.sleep(ANSWER_DEADLINE)
        self.interactions["answered" if interaction.response.is_done() else "failed"] += 1
