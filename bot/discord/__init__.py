"""The Discord adapter: one cog per command group over the plain core, the translator, the runner."""

from __future__ import annotations

from discord.ext import commands

from bot.config import Settings


async def setup(bot: commands.Bot, settings: Settings | None = None) -> None:
    """Add the briefing cogs and the catalog translator to a bot."""
    from bot.discord.extension import install  # noqa: PLC0415 - keep the package's face light

    await install(bot, settings)


__all__ = ["setup"]
