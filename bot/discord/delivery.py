"""Posting digests through discord.py, with its errors turned into the scheduler's terms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import aiohttp
import discord

from bot.core.language import Language
from bot.core.layout import View
from bot.digest import Gone, Transient
from bot.discord.language_chain import LanguageChooser
from bot.discord.replies import NO_PINGS, to_embed
from bot.store import DigestRow


class DiscordDelivery:
    """The scheduler's way out to Discord."""

    def __init__(self, client: discord.Client, languages: LanguageChooser) -> None:
        self.client = client
        self.languages = languages

    async def language(self, row: DigestRow) -> Language:
        """The digest's language: there is no reader."""
        return await self.languages.for_digest(row, self.client.get_guild(row.guild_id))

    async def post(self, row: DigestRow, views: Sequence[View], nonce: str, day: dt.date) -> str | None:
        """Send one message; discord.py adds enforce_nonce, so a repeated nonce is not a second post."""
        channel = self.client.get_partial_messageable(row.channel_id)
        try:
            await channel.send(embeds=[to_embed(v) for v in views], nonce=nonce, allowed_mentions=NO_PINGS)
        except discord.Forbidden as exc:
            raise Gone("forbidden") from exc
        except discord.NotFound as exc:
            raise Gone("missing") from exc
        except discord.DiscordServerError as exc:
            raise Transient(str(exc.status)) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise Transient(type(exc).__name__) from exc
        return None
