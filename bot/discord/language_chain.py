"""Which language a reply is in, decided once per interaction, message or post from what is known."""

from __future__ import annotations

from typing import Any

import discord

from bot.core.language import Candidate, Language, Step, decide_language
from bot.store import DigestRow, Store


def _channel_ids(channel: object, channel_id: int | None) -> list[int]:
    """The channel, then the channel a thread or forum post belongs to: a thread reads as its parent."""
    ids = [channel_id] if channel_id else []
    parent = getattr(channel, "parent_id", None)
    if isinstance(channel, discord.Thread) and parent:
        ids.append(parent)
    return ids


class LanguageChooser:
    """The fallback chains: a reply to a person, and a post with no reader."""

    def __init__(self, store: Store, default: Language) -> None:
        self.store = store
        self.default = default

    async def _channel(self, channel: object, channel_id: int | None) -> str | None:
        for candidate in _channel_ids(channel, channel_id):
            if (language := await self.store.channel_language(candidate)) is not None:
                return language
        return None

    async def decide(
        self, interaction: discord.Interaction[Any], option: str | None = None
    ) -> tuple[Language, Step]:
        """A reply to a person's command or click, and which step of the chain decided it.

        The command's option, their saved language, the channel's, the server's, their Discord language,
        the server's preferred locale, the default.
        """
        guild_id = interaction.guild_id
        store = self.store
        candidates: list[tuple[Step, Candidate]] = [
            ("option", option),
            ("saved", lambda: store.user_language(interaction.user.id)),
            (
                "channel",
                (lambda: self._channel(interaction.channel, interaction.channel_id))
                if guild_id is not None
                else None,
            ),
            ("server", (lambda: store.guild_language(guild_id)) if guild_id is not None else None),
            ("locale", interaction.locale.value),
            ("server-locale", interaction.guild_locale.value if interaction.guild_locale else None),
        ]
        return await decide_language(candidates, self.default)

    async def for_interaction(
        self, interaction: discord.Interaction[Any], option: str | None = None
    ) -> Language:
        """The language of a reply to an interaction."""
        return (await self.decide(interaction, option))[0]

    async def for_message(self, message: discord.Message) -> Language:
        """A reply to a chat message: as for a command, less what a message does not carry."""
        guild = message.guild
        store = self.store
        candidates: list[tuple[Step, Candidate]] = [
            ("saved", lambda: store.user_language(message.author.id)),
            ("channel", (lambda: self._channel(message.channel, message.channel.id)) if guild else None),
            ("server", (lambda: store.guild_language(guild.id)) if guild else None),
            ("server-locale", guild.preferred_locale.value if guild else None),
        ]
        return (await decide_language(candidates, self.default))[0]

    async def for_guild(self, guild_id: int | None, guild: discord.Guild | None) -> Language:
        """A server with no reader and no digest: the server's choice, then its locale."""
        candidates: list[tuple[Step, Candidate]] = [
            ("server", (lambda: self.store.guild_language(guild_id)) if guild_id else None),
            ("server-locale", guild.preferred_locale.value if guild is not None else None),
        ]
        return (await decide_language(candidates, self.default))[0]

    async def for_digest(self, row: DigestRow, guild: discord.Guild | None) -> Language:
        """A digest: its own language, the channel's, the server's, the server's locale, the default."""
        store = self.store
        candidates: list[tuple[Step, Candidate]] = [
            ("digest", row.language),
            ("channel", lambda: store.channel_language(row.channel_id)),
            ("server", lambda: store.guild_language(row.guild_id)),
            # A server on another process's shard is not in this one's cache: its locale as last recorded.
            (
                "server-locale",
                guild.preferred_locale.value
                if guild is not None
                else (lambda: store.guild_locale(row.guild_id)),
            ),
        ]
        return (await decide_language(candidates, self.default))[0]
