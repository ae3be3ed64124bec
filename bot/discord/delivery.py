"""Posting digests through discord.py, with its errors turned into the scheduler's terms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import aiohttp
import discord

from bot.core.language import Language
from bot.core.layout import View
from bot.digest import Gone, Transient, marked
from bot.discord.language_chain import LanguageChooser
from bot.discord.replies import NO_PINGS, to_embed
from bot.store import DigestRow

HISTORY_SLACK = dt.timedelta(minutes=1)  # clocks differ; look a little before the claim


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

    async def find_post(self, channel_id: int, nonce: str, since: dt.datetime) -> bool | None:
        """Look through the channel's messages since the claim for ours carrying this nonce's mark."""
        me = self.client.user
        if me is None:
            return None
        channel = self.client.get_partial_messageable(channel_id)
        try:
            # A digest is claimed just before it is sent: its message is among the first after the claim.
            async for message in channel.history(limit=100, after=since - HISTORY_SLACK, oldest_first=True):
                if message.author.id == me.id and any(
                    embed.footer.text and marked(embed.footer.text, nonce) for embed in message.embeds
                ):
                    return True
        except discord.Forbidden:
            return None  # no Read Message History: fall back on the nonce
        except discord.NotFound as exc:
            raise Gone("missing") from exc
        except discord.DiscordServerError as exc:
            raise Transient(str(exc.status)) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise Transient(type(exc).__name__) from exc
        return False
