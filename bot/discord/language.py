"""The /language commands: a person's own language, a channel's or a server's, and which one decides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str

from bot.core.language import LANGUAGE_NAMES, Language, Step, parse_language
from bot.core.layout import quote_input
from bot.core.text import N_, Translation
from bot.discord.briefings import LANGUAGE_CHOICES
from bot.discord.replies import COLOUR, NO_PINGS, AdapterCog, in_server

F = TypeVar("F", bound=Callable[..., Any])

AUTO = "auto"  # the choice that clears a saved language
LANGUAGE_OR_AUTO: list[Choice[str]] = [
    *LANGUAGE_CHOICES,
    Choice(name=locale_str("Automatic (clear the choice)"), value=AUTO),
]
STEP_REASONS: dict[Step, str] = {
    "option": N_("the command's language option"),
    "saved": N_("the language you saved with /language me"),
    "digest": N_("the digest's own language"),
    "channel": N_("this channel's language"),
    "server": N_("this server's language"),
    "locale": N_("your Discord language"),
    "server-locale": N_("this server's preferred language in Discord"),
    "default": N_("the bot's default language"),
}
LanguageTarget = discord.TextChannel | discord.ForumChannel


def may_set_language(func: F) -> F:
    """Manage Server for the server's language; for a channel's, Manage Server or Manage Channels there.

    Discord shows the group to everyone (members save their own language in it), so this is checked here.
    """

    def predicate(interaction: discord.Interaction[Any]) -> bool:
        if interaction.permissions.manage_guild:
            return True
        target = getattr(interaction.namespace, "channel", None)
        if target is None:
            raise app_commands.MissingPermissions(["manage_guild"])
        # A channel option arrives with the member's permissions in that channel.
        rights = getattr(target, "permissions", None)
        if isinstance(rights, discord.Permissions) and rights.manage_channels:
            return True
        raise app_commands.MissingPermissions(["manage_guild", "manage_channels"])

    return app_commands.check(predicate)(in_server()(func))


class LanguageCog(AdapterCog, name="Briefing language"):
    """`/language me` (anyone, anywhere), `/language set` (server or channel), `/language show`."""

    group = app_commands.Group(
        name=locale_str("language"),
        description=locale_str("Which language briefings are in"),
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True),
    )

    async def _answer(self, interaction: discord.Interaction[Any], text: str, ephemeral: bool) -> None:
        await interaction.response.send_message(
            embed=discord.Embed(description=text, colour=COLOUR),
            ephemeral=ephemeral,
            allowed_mentions=NO_PINGS,
        )

    async def _parsed(
        self, interaction: discord.Interaction[Any], value: str
    ) -> tuple[bool, Language | None]:
        """Whether the value is usable, and the language it names (None for automatic); refuses others."""
        if value == AUTO:
            return True, None
        chosen = parse_language(value)
        if chosen is None:
            reader = await self.languages.for_interaction(interaction)
            message = N_("We have no briefings in “{value}”.")
            await self.refuse(interaction, reader, message, value=quote_input(value))
            return False, None
        return True, chosen

    @group.command(name=locale_str("me"), description=locale_str("Save your own language for briefings"))
    @app_commands.rename(language=locale_str("language"))
    @app_commands.describe(language=locale_str("Your language, or automatic to clear it"))
    @app_commands.choices(language=LANGUAGE_OR_AUTO)
    async def language_me(self, interaction: discord.Interaction[Any], language: str) -> None:
        """Save (or clear) the caller's own language, in a server or in DMs."""
        usable, chosen = await self._parsed(interaction, language)
        if not usable:
            return
        await self.languages.store.set_user_language(interaction.user.id, chosen)
        if chosen:
            _ = self.briefer.translation(chosen)
            text = _(
                "You now read briefings in {language}, wherever you ask.", language=LANGUAGE_NAMES[chosen]
            )
        else:
            _ = self.briefer.translation(await self.languages.for_interaction(interaction))
            text = _(
                "Your language is cleared: replies follow the channel, the server and your Discord language."
            )
        await self._answer(interaction, text, ephemeral=True)

    @group.command(
        name=locale_str("set"), description=locale_str("Choose the server's or a channel's language")
    )
    @app_commands.rename(language=locale_str("language"), channel=locale_str("channel"))
    @app_commands.describe(
        language=locale_str("The language, or automatic to clear it"),
        channel=locale_str("Only this channel (default: the whole server)"),
    )
    @app_commands.choices(language=LANGUAGE_OR_AUTO)
    @may_set_language
    async def language_set(
        self, interaction: discord.Interaction[Any], language: str, channel: LanguageTarget | None = None
    ) -> None:
        """Set the server's language (Manage Server) or a channel's (Manage Server or Manage Channels)."""
        usable, chosen = await self._parsed(interaction, language)
        if not usable:
            return
        guild_id = interaction.guild_id or 0
        if channel is None:
            await self.languages.store.set_guild_language(guild_id, chosen)
        else:
            await self.languages.store.set_channel_language(guild_id, channel.id, chosen)
        _ = self.briefer.translation(chosen or await self.languages.for_interaction(interaction))
        name = LANGUAGE_NAMES[chosen] if chosen else ""
        if channel is None:
            text = (
                _("This server now reads briefings in {language}.", language=name)
                if chosen
                else _("This server's language is cleared.")
            )
        else:
            text = (
                _("{channel} now reads briefings in {language}.", channel=channel.mention, language=name)
                if chosen
                else _("{channel} no longer has a language of its own.", channel=channel.mention)
            )
        await self._answer(interaction, text, ephemeral=False)

    @group.command(
        name=locale_str("show"), description=locale_str("Which language your replies are in, and why")
    )
    async def language_show(self, interaction: discord.Interaction[Any]) -> None:
        """Show the reader's language, the step of the chain that chose it, and the settings behind it."""
        language, step = await self.languages.decide(interaction)
        _ = self.briefer.translation(language)
        lines = [
            _("Your replies are in {language}.", language=LANGUAGE_NAMES[language]),
            _("Decided by {reason}.", reason=_(STEP_REASONS[step])),
            "",
            _("Your saved language: {language}", language=self._setting(_, await self._user(interaction))),
        ]
        if interaction.guild_id is not None:
            store = self.languages.store
            channel = await store.channel_language(interaction.channel_id or 0)
            server = await store.guild_language(interaction.guild_id)
            lines.append(_("This channel: {language}", language=self._setting(_, channel)))
            lines.append(_("This server: {language}", language=self._setting(_, server)))
        await self._answer(interaction, "\n".join(lines), ephemeral=True)

    async def _user(self, interaction: discord.Interaction[Any]) -> Language | None:
        return await self.languages.store.user_language(interaction.user.id)

    @staticmethod
    def _setting(_: Translation, language: Language | None) -> str:
        return LANGUAGE_NAMES[language] if language else _("not set")
