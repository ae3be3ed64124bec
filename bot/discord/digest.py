"""The /digest commands: a server's daily digest, set, stopped, shown and previewed."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str
from discord.ext import commands

from bot.core.answers import Briefer
from bot.core.language import Language
from bot.core.layout import pack_messages, quote_input
from bot.core.text import N_, Translation
from bot.digest import DigestScheduler, compose, next_due, parse_hhmm, parse_zone, utc_now, zone_names
from bot.discord.language_chain import LanguageChooser
from bot.discord.replies import COLOUR, NO_PINGS, AdapterCog, for_server_managers, to_embed
from bot.store import DigestRow, PauseReason, TooManyDigests

POSTING_FAILED = N_("Posting failed.")
PAUSE_REASONS: dict[PauseReason, str] = {
    "forbidden": N_("I may not post in that channel."),
    "missing": N_("That channel no longer exists."),
}


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
            lines.append(row.publish_problem)
        return "\n".join(lines)

    async def _private(self, interaction: discord.Interaction, text: str, title: str | None = None) -> None:
        await interaction.response.send_message(
            embed=discord.Embed(title=title, description=text, colour=COLOUR),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @group.command(name=locale_str("set"), description=locale_str("Post a daily digest to a channel"))
    @app_commands.rename(
        channel=locale_str("channel"), time=locale_str("time"), timezone=locale_str("timezone")
    )
    @app_commands.describe(
        channel=locale_str("Where to post"),
        time=locale_str("Local time, HH:MM (24-hour)"),
        timezone=locale_str("An IANA time zone, e.g. Europe/London"),
    )
    @for_server_managers
    async def digest_set(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: str,
        timezone: str | None = None,
    ) -> None:
        """Set the server's daily digest."""
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
        me = interaction.guild.me if interaction.guild is not None else None
        rights = channel.permissions_for(me) if me is not None else None
        if rights is None or not (rights.view_channel and rights.send_messages and rights.embed_links):
            message = N_(
                "I cannot post in {channel}: I need View Channel, Send Messages and Embed Links there."
            )
            await self.refuse(interaction, reader, message, channel=channel.mention)
            return
        # Counted from the start of this minute: a digest set for the current minute goes out now.
        due = next_due(utc_now().replace(second=0, microsecond=0), at, zone)
        guild_id = interaction.guild_id or 0
        try:
            await self.store.set_digest(guild_id, channel.id, at.strftime("%H:%M"), zone_name, due)
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
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
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
    @for_server_managers
    async def digest_preview(self, interaction: discord.Interaction) -> None:
        """Show privately exactly what the digest would post now."""
        guild_id = interaction.guild_id or 0
        rows = await self.store.digests(guild_id)
        if rows:  # the first digest's view of what is new; each digest keeps its own record
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
