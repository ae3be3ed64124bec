"""The /language commands: a server's choice of language for briefings."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.core.language import LANGUAGE_NAMES, parse_language
from bot.core.layout import quote_input
from bot.core.text import N_
from bot.discord.briefings import LANGUAGE_CHOICES
from bot.discord.replies import COLOUR, NO_PINGS, AdapterCog, for_server_managers, in_server


class LanguageCog(AdapterCog, name="Briefing language"):
    """`/language set` (Manage Server) and `/language show`."""

    group = app_commands.Group(
        name=locale_str("language"),
        description=locale_str("The server's language for briefings"),
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False),
        default_permissions=discord.Permissions(manage_guild=True),
    )

    @group.command(name=locale_str("set"), description=locale_str("Choose the server's language"))
    @app_commands.rename(language=locale_str("language"))
    @app_commands.describe(language=locale_str("The language for this server"))
    @app_commands.choices(language=LANGUAGE_CHOICES)
    @for_server_managers
    async def language_set(self, interaction: discord.Interaction, language: str) -> None:
        """Set the server's language (Manage Server)."""
        chosen = parse_language(language)
        if chosen is None or interaction.guild_id is None:
            reader = await self.languages.for_interaction(interaction)
            await self.refuse(
                interaction, reader, N_("We have no briefings in “{value}”."), value=quote_input(language)
            )
            return
        await self.languages.store.set_guild_language(interaction.guild_id, chosen)
        _ = self.briefer.translation(chosen)
        text = _("This server now reads briefings in {language}.", language=LANGUAGE_NAMES[chosen])
        await interaction.response.send_message(
            embed=discord.Embed(description=text, colour=COLOUR), allowed_mentions=NO_PINGS
        )

    @group.command(name=locale_str("show"), description=locale_str("Show the server's language"))
    @in_server()
    async def language_show(self, interaction: discord.Interaction) -> None:
        """Show the server's language."""
        _ = self.briefer.translation(await self.languages.for_interaction(interaction))
        setting = await self.languages.store.guild_language(interaction.guild_id or 0)
        if setting is None:
            text = _("This server has not chosen a language: replies follow each reader's.")
        else:
            text = _("This server reads briefings in {language}.", language=LANGUAGE_NAMES[setting])
        await interaction.response.send_message(
            embed=discord.Embed(description=text, colour=COLOUR), ephemeral=True, allowed_mentions=NO_PINGS
        )
