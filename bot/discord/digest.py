"""The /digest commands: a server's daily digest, set, stopped, shown and previewed."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str
from discord.ext import commands

from bot.core.answers import Briefer
from bot.core.language import LANGUAGE_NAMES, Language, parse_language
from bot.core.layout import pack_messages, quote_input
from bot.core.text import N_, Translation
from bot.digest import DigestScheduler, compose, next_due, parse_hhmm, parse_zone, utc_now, zone_names
from bot.discord.briefings import LANGUAGE_CHOICES
from bot.discord.language_chain import LanguageChooser
from bot.discord.replies import COLOUR, NO_PINGS, AdapterCog, for_server_managers, to_embed
from bot.store import ChannelKind, DigestRow, PauseReason, TooManyDigests

POSTING_FAILED = N_("Posting failed.")
PAUSE_REASONS: dict[PauseReason, str] = {
    "forbidden": N_("I may not post in that channel."),
    "missing": N_("That channel no longer exists."),
}
KIND_NOTES: dict[ChannelKind, str] = {
    "text": "",
    "forum": N_("Each day's digest is a new forum post titled with the date."),
    "announcement": N_("Each post is published to servers that follow the channel."),
}
# Channels a digest can be posted in: text and announcement channels (both TextChannel), and forums.
DigestChannel = discord.TextChannel | discord.ForumChannel


def channel_kind(channel: DigestChannel) -> ChannelKind:
    """How a digest is posted in a channel."""
    if isinstance(channel, discord.ForumChannel):
        return "forum"
    return "announcement" if channel.is_news() else "text"


class DigestCog(AdapterCog, name="Daily digest"):
    """`/digest set|off|status|preview`, all for Manage Server."""

    group = app_commands.Group(
        name=locale_str("digest"),
        description=locale_str("The server's daily digest"),
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False),
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(
        self,
        bot: commands.Bot,
        briefer: Briefer,
        languages: LanguageChooser,
        scheduler: DigestScheduler,
        default_timezone: str,
    ) -> None:
        super().__init__(bot, briefer, languages)
        self.scheduler = scheduler
        self.store = scheduler.store
        self.default_timezone = default_timezone

    async def _reader(self, interaction: discord.Interaction) -> Translation:
        return self.briefer.translation(await self.languages.for_interaction(interaction))

    async def _status_text(self, guild_id: int, _: Translation) -> str:
        rows = await self.store.digests(guild_id)
        if not rows:
            return _("No daily digest is set. Use /digest set.")
        return "\n\n".join(self._one_status(row, _) for row in rows)

    def _one_status(self, row: DigestRow, _: Translation) -> str:
        lines = [
            _("Channel: {channel}", channel=f"<#{row.channel_id}>"),
            _("Time: {time} ({zone})", time=row.at, zone=row.zone),
        ]
        if KIND_NOTES[row.kind]:
            lines.append(_(KIND_NOTES[row.kind]))
        if row.language:
            lines.append(_("Language: {language}", language=LANGUAGE_NAMES[row.language]))
        if row.topics:
            names = self.briefer.topic_names(_.language, row.topics)
            lines.append(_("Topics: {topics}", topics=names))
        if row.role_id:
            lines.append(_("Mentions: {role}", role=f"<@&{row.role_id}>"))
        if row.paused:
            reason = _(PAUSE_REASONS.get(row.paused, POSTING_FAILED))
            lines.append(_("Paused: {reason} Use /digest set to resume.", reason=reason))
        elif row.next_due is not None:
            stamp = int(row.next_due.timestamp())
            lines.append(
                _("Next post: {when} ({relative})", when=f"<t:{stamp}:F>", relative=f"<t:{stamp}:R>")
            )
        if row.last_posted_at is not None:
            lines.append(_("Last post: {when}", when=f"<t:{int(row.last_posted_at.timestamp())}:F>"))
        if row.nothing_new_on and (row.last_date is None or row.nothing_new_on >= row.last_date):
            lines.append(_("Nothing new to post on {date}.", date=row.nothing_new_on))
        if row.publish_problem:
            lines.append(_(row.publish_problem))
        return "\n".join(lines)

    async def _private(self, interaction: discord.Interaction, text: str, title: str | None = None) -> None:
        await interaction.response.send_message(
            embed=discord.Embed(title=title, description=text, colour=COLOUR),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @group.command(name=locale_str("set"), description=locale_str("Post a daily digest to a channel"))
    @app_commands.rename(
        channel=locale_str("channel"),
        time=locale_str("time"),
        timezone=locale_str("timezone"),
        language=locale_str("language"),
        topics=locale_str("topics"),
        role=locale_str("role"),
    )
    @app_commands.describe(
        channel=locale_str("Where to post"),
        time=locale_str("Local time, HH:MM (24-hour)"),
        timezone=locale_str("An IANA time zone, e.g. Europe/London"),
        language=locale_str("The digest's language (default: the channel's, then the server's)"),
        topics=locale_str("Only stories on these topics, comma-separated (default: all)"),
        role=locale_str("A role members opt into, mentioned in each digest"),
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    @for_server_managers
    async def digest_set(
        self,
        interaction: discord.Interaction,
        channel: DigestChannel,
        time: str,
        timezone: str | None = None,
        language: str | None = None,
        topics: str | None = None,
        role: discord.Role | None = None,
    ) -> None:
        """Set a channel's daily digest."""
        reader: Language = await self.languages.for_interaction(interaction)
        at = parse_hhmm(time)
        if at is None:
            await self.refuse(
                interaction,
                reader,
                N_("“{value}” is not a time. Use HH:MM, e.g. 08:30."),
                value=quote_input(time),
            )
            return
        zone_name = timezone or self.default_timezone
        zone = parse_zone(zone_name)
        if zone is None:
            message = N_("Unknown time zone “{value}”. Try e.g. Asia/Shanghai.")
            await self.refuse(interaction, reader, message, value=quote_input(zone_name))
            return
        chosen = parse_language(language) if language else None
        if language and chosen is None:
            message = N_("We have no briefings in “{value}”.")
            await self.refuse(interaction, reader, message, value=quote_input(language))
            return
        topic_ids, unknown = self.briefer.find_topics(topics or "")
        if unknown:
            known = ", ".join(entry.id for entry in self.briefer.topics())
            message = N_("Unknown topic “{value}”. Topics: {topics}.")
            await self.refuse(interaction, reader, message, value=quote_input(unknown[0]), topics=known)
            return
        if channel.guild.id != interaction.guild_id:
            await self.refuse(interaction, reader, N_("That channel is not in this server."))
            return
        if role is not None and (role.is_default() or role.managed or role.guild.id != interaction.guild_id):
            # @everyone is no opt-in, and a bot's or integration's role is nobody's choice.
            message = N_("{role} cannot be a digest's role: choose a role members opt into.")
            await self.refuse(interaction, reader, message, role=quote_input(role.name))
            return
        me = interaction.guild.me if interaction.guild is not None else None
        rights = channel.permissions_for(me) if me is not None else None
        if rights is None or not (rights.view_channel and rights.send_messages and rights.embed_links):
            message = N_(
                "I cannot post in {channel}: I need View Channel, Send Messages and Embed Links there."
            )
            await self.refuse(interaction, reader, message, channel=channel.mention)
            return
        if role is not None and not (role.mentionable or rights.mention_everyone):
            message = N_("I may not mention {role}: make it mentionable, or let me mention all roles.")
            await self.refuse(interaction, reader, message, role=role.mention)
            return
        # Counted from the start of this minute: a digest set for the current minute goes out now.
        due = next_due(utc_now().replace(second=0, microsecond=0), at, zone)
        guild_id = interaction.guild_id or 0
        try:
            await self.store.set_digest(
                guild_id,
                channel.id,
                at.strftime("%H:%M"),
                zone_name,
                due,
                language=chosen,
                topics=tuple(topic_ids),
                role_id=role.id if role else None,
                kind=channel_kind(channel),
            )
        except TooManyDigests as full:
            message = N_("This server already has {count} digests. Turn one off with /digest off first.")
            await self.refuse(interaction, reader, message, count=str(full.limit))
            return
        self.scheduler.wake()
        _ = self.briefer.translation(reader)
        await self._private(interaction, await self._status_text(guild_id, _), _("Daily digest set"))

    @group.command(name=locale_str("off"), description=locale_str("Stop the daily digest"))
    @app_commands.rename(channel=locale_str("channel"))
    @app_commands.describe(channel=locale_str("Where to post"))
    @for_server_managers
    async def digest_off(
        self, interaction: discord.Interaction, channel: DigestChannel | None = None
    ) -> None:
        """Turn a channel's digest off, or every digest of the server without a channel."""
        _ = await self._reader(interaction)
        guild_id = interaction.guild_id or 0
        channels = [channel.id] if channel else [row.channel_id for row in await self.store.digests(guild_id)]
        removed = [await self.store.digest_off(guild_id, channel_id) for channel_id in channels]
        self.scheduler.wake()
        await self._private(
            interaction,
            _("The daily digest is off.") if any(removed) else _("No daily digest is set. Use /digest set."),
        )

    @group.command(name=locale_str("status"), description=locale_str("When the next digest is posted"))
    @for_server_managers
    async def digest_status(self, interaction: discord.Interaction) -> None:
        """Show the digest's schedule and state."""
        _ = await self._reader(interaction)
        await self._private(
            interaction, await self._status_text(interaction.guild_id or 0, _), _("Daily digest")
        )

    @group.command(name=locale_str("preview"), description=locale_str("See what would be posted now"))
    @app_commands.rename(channel=locale_str("channel"))
    @app_commands.describe(channel=locale_str("Which digest (default: the first)"))
    @for_server_managers
    async def digest_preview(
        self, interaction: discord.Interaction, channel: DigestChannel | None = None
    ) -> None:
        """Show privately exactly what a digest would post now."""
        guild_id = interaction.guild_id or 0
        rows = [
            r for r in await self.store.digests(guild_id) if channel is None or r.channel_id == channel.id
        ]
        if rows:  # each digest keeps its own record of what it has carried
            row = rows[0]
            language = await self.languages.for_digest(row, interaction.guild)
            seen = await self.store.seen_versions(guild_id, row.channel_id)
            views, _ = compose(self.briefer, language, seen, row.topics)
        else:
            language = await self.languages.for_guild(guild_id, interaction.guild)
            views, _ = compose(self.briefer, language, {})
        if not views:
            reader = await self.languages.for_interaction(interaction)
            await self.refuse(interaction, reader, N_("Nothing new since the last digest."))
            return
        first, *rest = pack_messages(views)
        await interaction.response.send_message(
            embeds=[to_embed(v) for v in first], ephemeral=True, allowed_mentions=NO_PINGS
        )
        for message in rest:  # a digest too long for one message is previewed as it would be posted
            await interaction.followup.send(
                embeds=[to_embed(v) for v in message], ephemeral=True, allowed_mentions=NO_PINGS
            )

    @digest_set.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[Choice[str]]:
        """IANA zone names containing what has been typed."""
        return [Choice(name=name, value=name) for name in zone_names(current)]

    @digest_set.autocomplete("topics")
    async def topics_autocomplete(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        """Known topics, named in the reader's language, completing the last of a comma-separated list."""
        language = await self.languages.for_interaction(interaction)
        return [Choice(name=c.label, value=c.value) for c in self.briefer.topic_choices(language, current)]
