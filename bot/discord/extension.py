"""Wiring the extension: content, store, scheduler and cogs built from settings and added to a bot."""

from __future__ import annotations

from pathlib import Path

from discord.ext import commands

from bot import startup
from bot.config import Settings, load_settings
from bot.core.answers import Briefer
from bot.core.content import Content
from bot.core.content.cache import load_cached
from bot.digest import DigestScheduler
from bot.discord.briefings import BriefingsCog
from bot.discord.delivery import DiscordDelivery
from bot.discord.digest import DigestCog
from bot.discord.language import LanguageCog
from bot.discord.language_chain import LanguageChooser
from bot.discord.translator import CatalogTranslator
from bot.discord.upkeep import UpkeepCog
from bot.store import is_postgres, open_store, sqlite_path
from bot.updates import Reloader, RemotePack


async def install(bot: commands.Bot, settings: Settings | None = None) -> None:
    """Build everything from settings (read now, not at import) and add the cogs and the translator."""
    settings = settings or load_settings()
    startup.step("extension")
    loaded = load_cached(settings.briefs_dir, settings.locales_dir, settings.content_cache_dir)
    if not isinstance(loaded, Content):
        raise RuntimeError("briefing content is invalid:\n" + "\n".join(map(str, loaded)))
    startup.step("content")
    store = await open_store(settings.database_url)
    startup.step("store")
    briefer = Briefer.serving(loaded)
    languages = LanguageChooser(store, settings.default_language)
    scheduler = DigestScheduler(
        store,
        briefer,
        DiscordDelivery(bot, languages, briefer),
        per_second=settings.digest_rate,
        lease=settings.digest_lease,
        shards=(settings.shard_count, settings.shard_ids)
        if settings.shard_count and settings.shard_ids
        else None,
    )
    remote = None
    if settings.briefs_url:
        # Beside the SQLite file; with PostgreSQL each process keeps its own copy under data/.
        where = None if is_postgres(settings.database_url) else sqlite_path(settings.database_url)
        folder = (where.parent if isinstance(where, Path) else Path("data")) / "remote"
        remote = RemotePack(settings.briefs_url, folder, settings.locales_dir, settings.briefs_timeout)
    host_translator = bot.tree.translator
    upkeep = UpkeepCog(
        bot,
        store,
        scheduler,
        Reloader(briefer, settings.briefs_dir, settings.locales_dir),
        reload_interval=settings.reload_interval,
        remote=remote,
        remote_refresh=settings.briefs_refresh,
        health_interval=settings.health_interval,
        host_translator=host_translator,
    )
    await bot.tree.set_translator(CatalogTranslator(loaded.catalogs, fallback=host_translator))
    await bot.add_cog(upkeep)
    await bot.add_cog(BriefingsCog(bot, briefer, languages))
    await bot.add_cog(LanguageCog(bot, briefer, languages))
    await bot.add_cog(DigestCog(bot, briefer, languages, scheduler, settings.default_timezone))
    if settings.metrics_port is not None:
        # prometheus_client and aiohttp's server load only when metrics are asked for.
        from bot.discord.metrics import MetricsCog  # noqa: PLC0415

        await bot.add_cog(MetricsCog(bot, scheduler, settings.metrics_port))
