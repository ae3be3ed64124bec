"""Sending core answers as Discord messages: embeds with the bot's look, private refusals, no pings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import AppCommandOptionType, app_commands
from discord.ext import commands

from bot.core import layout
from bot.core.answers import Briefer
from bot.core.language import Language
from bot.core.layout import View, quote_input
from bot.core.text import N_
from bot.discord.language_chain import LanguageChooser

log = logging.getLogger(__name__)

COLOUR = discord.Colour(layout.COLOUR)
ERROR_COLOUR = discord.Colour(layout.ERROR_COLOUR)
NO_PINGS = discord.AllowedMentions.none()


def to_embed(view: View, error: bool = False) -> discord.Embed:
    """A core view as a Discord embed with the bot's look."""
    embed = discord.Embed(
        title=view.title, description=view.description or None, colour=ERROR_COLOUR if error else COLOUR
    )
    for field in view.fields:
        embed.add_field(name=field.name, value=field.value, inline=field.inline)
    if view.footer:
        embed.set_footer(text=view.footer)
    return embed


async def send_private(interaction: discord.Interaction, embed: discord.Embed) -> None:
    """An ephemeral message, as the first response or as a follow-up if one was already sent."""
    if interaction.response.is_done():
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)


F = TypeVar("F", bound=Callable[..., Any])


def in_server() -> Callable[[F], F]:
    """A check that the command runs in a server; a DM gets NoPrivateMessage, answered in the handler."""

    def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage
        return True

    return app_commands.check(predicate)


def for_server_managers(func: F) -> F:
    """Run only in a server, by someone with Manage Server; a DM is told so before permissions are looked at.

    Discord hides such commands from others, but a server can grant them to anyone, so it is checked here too.
    """
    return app_commands.checks.has_permissions(manage_guild=True)(in_server()(func))


class AdapterCog(commands.Cog):
    """What every briefing cog shares: the briefer, the language chain, refusals and the error handler."""

    def __init__(self, bot: commands.Bot, briefer: Briefer, languages: LanguageChooser) -> None:
        self.bot = bot
        self.briefer = briefer
        self.languages = languages

    async def refuse(
        self, interaction: discord.Interaction, language: Language, message: str, /, **values: Any
    ) -> None:
        """A short private answer to something the user got wrong."""
        text = self.briefer.translation(language)(message, **values)[: layout.DESCRIPTION]
        await send_private(interaction, discord.Embed(description=text, colour=ERROR_COLOUR))

    async def cog_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Failed checks get their reason; anything unexpected is logged and answered briefly."""
        try:
            language = await self.languages.for_interaction(interaction)
        except Exception:  # the store itself may be what failed
            language = self.languages.default
        if isinstance(error, app_commands.NoPrivateMessage):
            await self.refuse(interaction, language, N_("This command works only in a server."))
            return
        if isinstance(error, app_commands.TransformerError):
            value = error.value
            resolved = value.resolve() if isinstance(value, app_commands.AppCommandChannel) else None
            if error.type is AppCommandOptionType.channel and resolved is None:
                # Discord offers every channel; one the bot cannot see does not resolve to a channel here.
                message = N_(
                    "I cannot see that channel. Give me View Channel, Send Messages and Embed Links there."
                )
                await self.refuse(interaction, language, message)
                return
            # A channel or role of a kind the option does not take.
            message = N_("This option cannot take “{value}”.")
            await self.refuse(interaction, language, message, value=quote_input(str(value)))
            return
        if isinstance(error, app_commands.MissingPermissions):
            message = (
                N_("You need the Manage Server or Manage Channels permission to change this.")
                if "manage_channels" in error.missing_permissions
                else N_("You need the Manage Server permission to change this.")
            )
            await self.refuse(interaction, language, message)
            return
        log.error(
            "command %r failed", interaction.command and interaction.command.qualified_name, exc_info=error
        )
        await self.refuse(interaction, language, N_("Something went wrong on our side. Please try again."))
