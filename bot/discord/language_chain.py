"""Which language a reply is in, decided once per interaction, message or post from what is known."""

from __future__ import annotations

import discord

from bot.core.language import Language, choose_language, negotiate
from bot.store import DigestRow, Store


class LanguageChooser:
    """The fallback chain: the command's option, the server's choice, the reader, the server's locale."""

    def __init__(self, store: Store, default: Language) -> None:
        self.store = store
        self.default = default

    async def for_interaction(self, interaction: discord.Interaction, option: str | None = None) -> Language:
        """The language of a reply to an interaction."""
        setting = await self.store.guild_language(interaction.guild_id) if interaction.guild_id else None
        guild_locale = interaction.guild_locale.value if interaction.guild_locale else None
        return choose_language(option, setting, interaction.locale.value, guild_locale, self.default)

    async def for_guild(self, guild_id: int | None, guild: discord.Guild | None) -> Language:
        """A post with no reader (a digest, a chat answer): the server's choice, then its locale."""
        setting = await self.store.guild_language(guild_id) if guild_id else None
        locale = guild.preferred_locale.value if guild is not None else None
        return choose_language(None, setting, None, locale, self.default)

    async def for_digest(self, row: DigestRow, guild: discord.Guild | None) -> Language:
        """A digest: its own language, the channel's, the server's, the server's locale, the default."""
        channel = await self.store.channel_language(row.channel_id)
        setting = await self.store.guild_language(row.guild_id)
        # A server on another process's shard is not in this one's cache: its locale as last recorded.
        locale = (
            guild.preferred_locale.value if guild is not None else await self.store.guild_locale(row.guild_id)
        )
        return negotiate([row.language, channel, setting, locale], self.default)
