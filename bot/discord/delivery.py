"""Posting digests through discord.py, with its errors turned into the scheduler's terms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import aiohttp
import discord

from bot.core.answers import Briefer
from bot.core.language import Language
from bot.core.layout import View
from bot.core.text import N_, format_day
from bot.digest import Gone, Transient, marked
from bot.discord.language_chain import LanguageChooser
from bot.discord.replies import NO_PINGS, to_embed
from bot.discord.views import digest_view
from bot.store import DigestRow

# Stored with the digest and translated when /digest status shows it.
NOT_PUBLISHED = N_(
    "The last post went out but was not published to following servers: "
    "I need Send Messages and Manage Messages in that announcement channel."
)
ALREADY_CROSSPOSTED = 40033  # Discord's code: a resent post was published the first time


def role_mentions(row: DigestRow, first: bool) -> tuple[str | None, discord.AllowedMentions]:
    """The opt-in role, pinged once per day's digest, and mentions that allow exactly that role."""
    if row.role_id is None or not first:
        return None, NO_PINGS
    # Never @everyone, @here or a user, whatever a card says: only the role named here may ping.
    allowed = discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(id=row.role_id)], replied_user=False
    )
    return f"<@&{row.role_id}>", allowed


HISTORY_SLACK = dt.timedelta(minutes=1)  # clocks differ; look a little before the claim


class DiscordDelivery:
    """The scheduler's way out to Discord: text, announcement and forum channels."""

    def __init__(self, client: discord.Client, languages: LanguageChooser, briefer: Briefer) -> None:
        self.client = client
        self.languages = languages
        self.briefer = briefer
        # Forum posts made by this process, for the rest of a long digest, before the gateway reports them.
        self._threads: dict[tuple[int, dt.date], discord.Thread] = {}

    async def language(self, row: DigestRow) -> Language:
        """The digest's language: there is no reader."""
        return await self.languages.for_digest(row, self.client.get_guild(row.guild_id))

    async def post(self, row: DigestRow, views: Sequence[View], nonce: str, day: dt.date) -> str | None:
        """Send one message of a day's digest; a repeated nonce is not a second post.

        Returns a note for /digest status when the message went out but could not be published.
        """
        language = views[0].language if views and views[0].language else await self.language(row)
        # Each post carries its stories' menu and its other languages, so every member can read it.
        view = digest_view(self.briefer, views, language) or discord.utils.MISSING
        # The scheduler numbers a day's messages in their nonces: the first one pings the role.
        content, allowed = role_mentions(row, first=nonce.endswith("-0"))
        embeds = [to_embed(v) for v in views]
        try:
            if row.kind == "forum":
                await self._forum_post(row, day, language, nonce, content, embeds, view, allowed)
                return None
            channel = self.client.get_partial_messageable(row.channel_id)
            message = await channel.send(
                content=content, embeds=embeds, view=view, nonce=nonce, allowed_mentions=allowed
            )
        except discord.Forbidden as exc:
            raise Gone("forbidden") from exc
        except discord.NotFound as exc:
            raise Gone("missing") from exc
        except discord.DiscordServerError as exc:
            raise Transient(str(exc.status)) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise Transient(type(exc).__name__) from exc
        if row.kind == "announcement":
            return await self._publish(message)
        return None

    async def _publish(self, message: discord.Message) -> str | None:
        """Crosspost to following servers; a refusal is noted, and the post still counts."""
        try:
            await message.publish()
        except discord.HTTPException as exc:
            if exc.code == ALREADY_CROSSPOSTED:
                return None
            return NOT_PUBLISHED
        return None

    async def _forum_post(
        self,
        row: DigestRow,
        day: dt.date,
        language: Language,
        nonce: str,
        content: str | None,
        embeds: list[discord.Embed],
        view: discord.ui.View,
        allowed: discord.AllowedMentions,
    ) -> None:
        """The day's digest as a forum post titled with the date; later messages go into the same post."""
        forum = self.client.get_channel(row.channel_id)
        if not isinstance(forum, discord.ForumChannel):
            raise Gone("missing")
        title = format_day(day, language)
        # Only today's post can still need a second message; older ones are forgotten.
        self._threads = {key: t for key, t in self._threads.items() if key[1] >= day}
        me = self.client.user.id if self.client.user else None
        # Discord has no nonce for a new thread: today's post, if it exists, is found by its title.
        thread = self._threads.get((row.channel_id, day)) or next(
            (t for t in forum.threads if t.name == title and t.owner_id == me), None
        )
        if thread is None:
            created = await forum.create_thread(
                name=title, content=content, embeds=embeds, view=view, allowed_mentions=allowed
            )
            self._threads[(row.channel_id, day)] = created.thread
        elif not nonce.endswith("-0"):
            await thread.send(
                content=content, embeds=embeds, view=view, nonce=nonce, allowed_mentions=allowed
            )

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
