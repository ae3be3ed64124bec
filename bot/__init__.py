"""Multilingual news briefings: a discord.py extension with a plain-Python core."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from discord.ext import commands


async def setup(bot: commands.Bot) -> None:
    """Entry point for `await bot.load_extension("bot")`: add the briefing cogs and nothing else."""
    from bot.discord import setup as setup_discord  # noqa: PLC0415 - the core stays importable without discord

    await setup_discord(bot)
