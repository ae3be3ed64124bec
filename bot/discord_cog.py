"""The Discord adapter: slash commands, embeds, buttons and chat questions over the plain core."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import discord
import httpx
from discord import app_commands
from discord.app_commands import Choice, locale_str
from discord.ext import commands, tasks

from bot import layout
from bot.check import check_all
from bot.digest import DigestScheduler, Gone, Transient, utc_now
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, N_, Catalogs, choose_language, parse_language
from bot.layout import Reply, View, pack_messages
from bot.queries import Briefer
from bot.questions import parse_question
from bot.reload import Reloader
from bot.remote import RemotePack
from bot.schedule import next_due, parse_hhmm, parse_zone, zone_names
from bot.settings import Language, Settings, load_settings
from bot.store import SQLiteStore, Store, sqlite_path

log = logging.getLogger(__name__)

COLOUR = discord.Colour(layout.COLOUR)
ERROR_COLOUR = discord.Colour(layout.ERROR_COLOUR)
NO_PINGS = discord.AllowedMentions.none()
VIEW_TIMEOUT = 300.0
LANGUAGE_CHOICES = [Choice(name=LANGUAGE_NAMES[lang], value=lang) for lang in LANGUAGES]
# Discord's locales for which commands carry a translation; every other locale sees English.
COMMAND_LOCALES: dict[discord.Locale, Language] = {
    discord.Locale.chinese: "zh-Hans",
    discord.Locale.taiwan_chinese: "zh-Hant",
}

Render = Callable[[Language], Reply]


class CatalogTranslator(app_commands.Translator):
    """Localises command names, descriptions, options and choices from the gettext catalogs."""

    def __init__(self, catalogs: Catalogs, fallback: app_commands.Translator | None = None) -> None:
        self.catalogs = catalogs
        # A host bot's own translator keeps answering for the strings that are not ours.
        self.fallback = fallback

    async def load(self) -> None:
        """Reload the host's translator that set_translator unloaded when this one replaced it."""
        if self.fallback is not None:
            await self.fallback.load()

    async def unload(self) -> None:
        """Unload the wrapped host translator along with this one."""
        if self.fallback is not None:
            await self.fallback.unload()

    async def translate(
        self, string: locale_str, locale: discord.Locale, context: app_commands.TranslationContext
    ) -> str | None:
        """The catalog's translation, or the host's, or None to leave the string as it is."""
        language = COMMAND_LOCALES.get(locale)
        if language is not None:
            translated = self.catalogs.get(language).gettext(string.message)
            if translated != string.message:
                return translated
        if self.fallback is not None:
            return await self.fallback.translate(string, locale, context)
        return None


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


class ReplyView(discord.ui.View):
    """Paging buttons for whoever asked, and language buttons for anyone who clicks."""

    def __init__(
        self, cog: BriefingCog, reply: Reply, render: Render, language: Language, owner_id: int
    ) -> None:
        super().__init__(timeout=VIEW_TIMEOUT)
        self.cog = cog
        self.reply = reply
        self.render = render
        self.owner_id = owner_id
        self.page = 0
        self.message: discord.Message | None = None
        self.interaction: discord.Interaction | None = None
        _ = cog.briefer._
        if len(reply.pages) > 1:
            self.previous = discord.ui.Button(
                label=_(language, "Previous"), style=discord.ButtonStyle.secondary
            )
            self.next = discord.ui.Button(label=_(language, "Next"), style=discord.ButtonStyle.secondary)
            self.previous.callback = self._previous
            self.next.callback = self._next
            self.add_item(self.previous)
            self.add_item(self.next)
            self._sync_buttons()
        for other in LANGUAGES:
            if other != language:
                button = discord.ui.Button(label=LANGUAGE_NAMES[other], style=discord.ButtonStyle.primary)
                button.callback = self._in_language(other)
                self.add_item(button)

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= len(self.reply.pages) - 1

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        if interaction.user.id != self.owner_id:
            language = await self.cog.language_for(interaction)
            await self.cog.refuse(
                interaction, language, N_("Only the person who asked can turn these pages.")
            )
            return
        self.page = max(0, min(len(self.reply.pages) - 1, self.page + step))
        self._sync_buttons()
        await interaction.response.edit_message(
            embed=to_embed(self.reply.pages[self.page]), view=self, allowed_mentions=NO_PINGS
        )

    async def _previous(self, interaction: discord.Interaction) -> None:
        await self._turn(interaction, -1)

    async def _next(self, interaction: discord.Interaction) -> None:
        await self._turn(interaction, 1)

    def _in_language(self, language: Language) -> Callable[[discord.Interaction], Any]:
        async def show(interaction: discord.Interaction) -> None:
            await self.cog.answer(interaction, self.render, language, ephemeral=True)

        return show

    async def on_timeout(self) -> None:
        """Grey the buttons out so nobody clicks a control that no longer answers."""
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        try:
            if self.interaction is not None:
                await self.interaction.edit_original_response(view=self, allowed_mentions=NO_PINGS)
            elif self.message is not None:
                await self.message.edit(view=self, allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:  # the message may be gone; nothing is lost
            log.debug("could not disable buttons: %s", exc)


class DiscordDelivery:
    """Posts digests through discord.py, turning its errors into the scheduler's terms."""

    def __init__(self, bot: commands.Bot, store: Store, default_language: Language) -> None:
        self.bot = bot
        self.store = store
        self.default_language = default_language

    async def language(self, guild_id: int) -> Language:
        """The server's choice, else its preferred locale, else the default: there is no reader."""
        guild = self.bot.get_guild(guild_id)
        locale = guild.preferred_locale.value if guild else None
        setting = await self.store.guild_language(guild_id)
        return choose_language(None, setting, None, locale, self.default_language)

    async def post(self, channel_id: int, views: Sequence[View], nonce: str) -> None:
        """Send one message; discord.py adds enforce_nonce, so a repeated nonce is not a second post."""
        channel = self.bot.get_partial_messageable(channel_id)
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


class BriefingCog(commands.Cog, name="Briefings"):
    """Slash commands and chat questions for the briefing cards."""

    language_group = app_commands.Group(
        name=locale_str("language"),
        description=locale_str("The server's language for briefings"),
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False),
        default_permissions=discord.Permissions(manage_guild=True),
    )

    digest_group = app_commands.Group(
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
        store: Store,
        default_language: Language,
        *,
        host_translator: app_commands.Translator | None = None,
        reloader: Reloader | None = None,
        reload_interval: float = 0,
        default_timezone: str = "UTC",
        remote: RemotePack | None = None,
        remote_refresh: float = 300.0,
    ) -> None:
        self.bot = bot
        self.briefer = briefer
        self.store = store
        self.default_language = default_language
        self.host_translator = host_translator
        self.reloader = reloader
        self.watch = tasks.loop(seconds=reload_interval or 1)(self._reload_if_changed)
        self.reload_interval = reload_interval
        self.default_timezone = default_timezone
        self.scheduler = DigestScheduler(store, briefer, DiscordDelivery(bot, store, default_language))
        self._scheduler_task: asyncio.Task[None] | None = None
        self.remote = remote
        self.fetch = tasks.loop(seconds=remote_refresh)(self._fetch_pack)
        self._http: httpx.AsyncClient | None = None

    async def cog_load(self) -> None:
        """Start watching the content folders, when asked to, and the digest scheduler."""
        if self.reloader is not None and self.reload_interval > 0:
            self.watch.start()
        if self.remote is not None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(15.0), follow_redirects=True)
            self.fetch.start()
        self._scheduler_task = asyncio.create_task(self._run_scheduler())

    async def _run_scheduler(self) -> None:
        # Posting needs the gateway's view of servers and channels; wait for it once.
        await self.bot.wait_until_ready()
        await self.scheduler.run()

    async def cog_unload(self) -> None:
        """Stop watching and scheduling, close the store and give the host back the translator it had."""
        self.watch.cancel()
        self.fetch.cancel()
        if self._http is not None:
            await self._http.aclose()
        if self._scheduler_task is not None:
            self._scheduler_task.cancel()
        await self.store.close()
        await self.bot.tree.set_translator(self.host_translator)

    async def reload(self) -> bool:
        """Validate the content folders now and swap them in if they are good (SIGHUP calls this)."""
        if self.reloader is None:
            return False
        # Validation runs in a thread; the swap happens here, between two interactions.
        loaded = await asyncio.to_thread(self.reloader.load)
        return self.reloader.apply(*loaded)

    async def _fetch_pack(self) -> None:
        """Fetch the remote card pack; a new valid one becomes what is served."""
        if self.remote is None or self._http is None or self.reloader is None:
            return
        if await self.remote.refresh(self._http):
            self.reloader.briefs_dir = self.remote.briefs_dir
            self.reloader.locales_dir = self.remote.locales_dir
            await self.reload()

    async def _reload_if_changed(self) -> None:
        if self.reloader is not None and self.reloader.changed():
            await self.reload()

    # --- language and replies ---------------------------------------------------------------------

    async def language_for(self, interaction: discord.Interaction, option: str | None = None) -> Language:
        """Option, server setting, reader's locale, server's locale, default; decided per interaction."""
        setting = await self.store.guild_language(interaction.guild_id) if interaction.guild_id else None
        guild_locale = interaction.guild_locale.value if interaction.guild_locale else None
        return choose_language(option, setting, interaction.locale.value, guild_locale, self.default_language)

    async def refuse(
        self, interaction: discord.Interaction, language: Language, message: str, /, **values: Any
    ) -> None:
        """A short private answer to something the user got wrong."""
        text = self.briefer._(language, message, **values)
        embed = discord.Embed(description=text, colour=ERROR_COLOUR)
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)

    async def answer(
        self, interaction: discord.Interaction, render: Render, language: Language, ephemeral: bool = False
    ) -> None:
        """Send a reply's first page with its buttons; user mistakes go privately to the user."""
        reply = render(language)
        if reply.error:
            embed = to_embed(reply.pages[0], error=True)
            await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        view = ReplyView(self, reply, render, language, interaction.user.id)
        view.interaction = interaction
        await interaction.response.send_message(
            embed=to_embed(reply.pages[0]), view=view, ephemeral=ephemeral, allowed_mentions=NO_PINGS
        )

    async def _command(self, interaction: discord.Interaction, option: str | None, render: Render) -> None:
        if option is not None and parse_language(option) is None:
            reader = await self.language_for(interaction)
            await self.refuse(interaction, reader, N_("We have no briefings in “{value}”."), value=option)
            return
        await self.answer(interaction, render, await self.language_for(interaction, option))

    # --- slash commands ---------------------------------------------------------------------------

    @app_commands.command(
        name=locale_str("summary"), description=locale_str("A story's summary and key points")
    )
    @app_commands.rename(story=locale_str("story"), language=locale_str("language"))
    @app_commands.describe(
        story=locale_str("Which story (default: the newest)"), language=locale_str("Reply in this language")
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def summary(
        self, interaction: discord.Interaction, story: str | None = None, language: str | None = None
    ) -> None:
        """Show a story's summary."""
        await self._command(interaction, language, lambda lang: self.briefer.summary(lang, story))

    @app_commands.command(
        name=locale_str("people"), description=locale_str("The people in a story, or one person")
    )
    @app_commands.rename(name=locale_str("name"), story=locale_str("story"), language=locale_str("language"))
    @app_commands.describe(
        name=locale_str("A name in any script, pinyin or handle"),
        story=locale_str("Which story (default: the newest)"),
        language=locale_str("Reply in this language"),
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def people(
        self,
        interaction: discord.Interaction,
        name: str | None = None,
        story: str | None = None,
        language: str | None = None,
    ) -> None:
        """Show the people of a story, or one person."""
        await self._command(interaction, language, lambda lang: self.briefer.people(lang, name, story))

    @app_commands.command(
        name=locale_str("timeline"), description=locale_str("A story's timeline, or one person's")
    )
    @app_commands.rename(
        person=locale_str("person"), story=locale_str("story"), language=locale_str("language")
    )
    @app_commands.describe(
        person=locale_str("Only this person's events"),
        story=locale_str("Which story (default: the newest)"),
        language=locale_str("Reply in this language"),
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def timeline(
        self,
        interaction: discord.Interaction,
        person: str | None = None,
        story: str | None = None,
        language: str | None = None,
    ) -> None:
        """Show a timeline."""
        await self._command(interaction, language, lambda lang: self.briefer.timeline(lang, person, story))

    @app_commands.command(name=locale_str("glossary"), description=locale_str("A story's terms, or one term"))
    @app_commands.rename(term=locale_str("term"), story=locale_str("story"), language=locale_str("language"))
    @app_commands.describe(
        term=locale_str("A term in any script"),
        story=locale_str("Which story (default: the newest)"),
        language=locale_str("Reply in this language"),
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def glossary(
        self,
        interaction: discord.Interaction,
        term: str | None = None,
        story: str | None = None,
        language: str | None = None,
    ) -> None:
        """Show the glossary."""
        await self._command(interaction, language, lambda lang: self.briefer.glossary(lang, term, story))

    @app_commands.command(name=locale_str("briefs"), description=locale_str("The list of stories"))
    @app_commands.rename(language=locale_str("language"))
    @app_commands.describe(language=locale_str("Reply in this language"))
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def briefs(self, interaction: discord.Interaction, language: str | None = None) -> None:
        """List the stories."""
        await self._command(interaction, language, self.briefer.stories)

    @language_group.command(name=locale_str("set"), description=locale_str("Choose the server's language"))
    @app_commands.rename(language=locale_str("language"))
    @app_commands.describe(language=locale_str("The language for this server"))
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def language_set(self, interaction: discord.Interaction, language: str) -> None:
        """Set the server's language (Manage Server)."""
        reader = await self.language_for(interaction)
        if interaction.guild_id is None:
            await self.refuse(interaction, reader, N_("This command works only in a server."))
            return
        # Checked here too: a server can grant the command to members who lack the permission.
        if not interaction.permissions.manage_guild:
            await self.refuse(
                interaction, reader, N_("You need the Manage Server permission to change this.")
            )
            return
        chosen = parse_language(language)
        if chosen is None:
            await self.refuse(interaction, reader, N_("We have no briefings in “{value}”."), value=language)
            return
        await self.store.set_guild_language(interaction.guild_id, chosen)
        text = self.briefer._(
            chosen, "This server now reads briefings in {language}.", language=LANGUAGE_NAMES[chosen]
        )
        await interaction.response.send_message(
            embed=discord.Embed(description=text, colour=COLOUR), allowed_mentions=NO_PINGS
        )

    @language_group.command(name=locale_str("show"), description=locale_str("Show the server's language"))
    async def language_show(self, interaction: discord.Interaction) -> None:
        """Show the server's language."""
        reader = await self.language_for(interaction)
        if interaction.guild_id is None:
            await self.refuse(interaction, reader, N_("This command works only in a server."))
            return
        setting = await self.store.guild_language(interaction.guild_id)
        if setting is None:
            text = self.briefer._(
                reader, "This server has not chosen a language: replies follow each reader's."
            )
        else:
            text = self.briefer._(
                reader, "This server reads briefings in {language}.", language=LANGUAGE_NAMES[setting]
            )
        await interaction.response.send_message(
            embed=discord.Embed(description=text, colour=COLOUR), ephemeral=True, allowed_mentions=NO_PINGS
        )

    # --- daily digest ----------------------------------------------------------------------------

    async def _digest_guard(self, interaction: discord.Interaction) -> Language | None:
        """The reader's language if they may manage the digest here; otherwise answer and return None."""
        reader = await self.language_for(interaction)
        if interaction.guild_id is None:
            await self.refuse(interaction, reader, N_("This command works only in a server."))
            return None
        if not interaction.permissions.manage_guild:
            await self.refuse(
                interaction, reader, N_("You need the Manage Server permission to change this.")
            )
            return None
        return reader

    async def _server_language(self, guild_id: int) -> Language:
        return await self.scheduler.delivery.language(guild_id)

    async def _status_text(self, guild_id: int, language: Language) -> str:
        _ = self.briefer._
        row = await self.store.digest(guild_id)
        if row is None:
            return _(language, "No daily digest is set. Use /digest set.")
        lines = [
            _(language, "Channel: {channel}", channel=f"<#{row.channel_id}>"),
            _(language, "Time: {time} ({zone})", time=row.at, zone=row.zone),
        ]
        if row.paused:
            reason = {
                "forbidden": N_("I may not post in that channel."),
                "missing": N_("That channel no longer exists."),
            }.get(row.paused, N_("Posting failed."))
            lines.append(
                _(language, "Paused: {reason} Use /digest set to resume.", reason=_(language, reason))
            )
        elif row.next_due is not None:
            stamp = int(row.next_due.timestamp())
            lines.append(
                _(
                    language,
                    "Next post: {when} ({relative})",
                    when=f"<t:{stamp}:F>",
                    relative=f"<t:{stamp}:R>",
                )
            )
        if row.last_posted_at is not None:
            stamp = int(row.last_posted_at.timestamp())
            lines.append(_(language, "Last post: {when}", when=f"<t:{stamp}:F>"))
        if row.nothing_new_on and (row.last_date is None or row.nothing_new_on >= row.last_date):
            lines.append(_(language, "Nothing new to post on {date}.", date=row.nothing_new_on))
        return "\n".join(lines)

    @digest_group.command(name=locale_str("set"), description=locale_str("Post a daily digest to a channel"))
    @app_commands.rename(
        channel=locale_str("channel"), time=locale_str("time"), timezone=locale_str("timezone")
    )
    @app_commands.describe(
        channel=locale_str("Where to post"),
        time=locale_str("Local time, HH:MM (24-hour)"),
        timezone=locale_str("An IANA time zone, e.g. Europe/London"),
    )
    async def digest_set(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: str,
        timezone: str | None = None,
    ) -> None:
        """Set the server's daily digest."""
        reader = await self._digest_guard(interaction)
        if reader is None or interaction.guild is None:
            return
        at = parse_hhmm(time)
        if at is None:
            await self.refuse(
                interaction, reader, N_("“{value}” is not a time. Use HH:MM, e.g. 08:30."), value=time
            )
            return
        zone_name = timezone or self.default_timezone
        zone = parse_zone(zone_name)
        if zone is None:
            await self.refuse(
                interaction,
                reader,
                N_("Unknown time zone “{value}”. Try e.g. Asia/Shanghai."),
                value=zone_name,
            )
            return
        me = interaction.guild.me
        rights = channel.permissions_for(me) if me is not None else None
        if rights is None or not (rights.view_channel and rights.send_messages and rights.embed_links):
            await self.refuse(
                interaction,
                reader,
                N_("I cannot post in {channel}: I need View Channel, Send Messages and Embed Links there."),
                channel=channel.mention,
            )
            return
        # Counted from the start of this minute: a digest set for the current minute goes out now.
        due = next_due(utc_now().replace(second=0, microsecond=0), at, zone)
        await self.store.set_digest(
            interaction.guild_id or 0, channel.id, at.strftime("%H:%M"), zone_name, due
        )
        self.scheduler.wake()
        text = await self._status_text(interaction.guild.id, reader)
        await interaction.response.send_message(
            embed=discord.Embed(
                title=self.briefer._(reader, "Daily digest set"), description=text, colour=COLOUR
            ),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @digest_group.command(name=locale_str("off"), description=locale_str("Stop the daily digest"))
    async def digest_off(self, interaction: discord.Interaction) -> None:
        """Turn the digest off."""
        reader = await self._digest_guard(interaction)
        if reader is None or interaction.guild_id is None:
            return
        removed = await self.store.digest_off(interaction.guild_id)
        self.scheduler.wake()
        message = (
            N_("The daily digest is off.") if removed else N_("No daily digest is set. Use /digest set.")
        )
        await interaction.response.send_message(
            embed=discord.Embed(description=self.briefer._(reader, message), colour=COLOUR),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @digest_group.command(name=locale_str("status"), description=locale_str("When the next digest is posted"))
    async def digest_status(self, interaction: discord.Interaction) -> None:
        """Show the digest's schedule and state."""
        reader = await self._digest_guard(interaction)
        if reader is None or interaction.guild_id is None:
            return
        text = await self._status_text(interaction.guild_id, reader)
        await interaction.response.send_message(
            embed=discord.Embed(
                title=self.briefer._(reader, "Daily digest"), description=text, colour=COLOUR
            ),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @digest_group.command(name=locale_str("preview"), description=locale_str("See what would be posted now"))
    async def digest_preview(self, interaction: discord.Interaction) -> None:
        """Show privately exactly what the digest would post now."""
        reader = await self._digest_guard(interaction)
        if reader is None or interaction.guild_id is None:
            return
        language = await self._server_language(interaction.guild_id)
        views, _ = self.briefer.digest(language, await self.store.seen_versions(interaction.guild_id))
        if not views:
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

    # --- autocomplete ----------------------------------------------------------------------------

    async def _choices_language(self, interaction: discord.Interaction) -> Language:
        option = getattr(interaction.namespace, "language", None)
        return await self.language_for(interaction, option if isinstance(option, str) else None)

    @summary.autocomplete("story")
    @people.autocomplete("story")
    @timeline.autocomplete("story")
    @glossary.autocomplete("story")
    async def story_autocomplete(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        """Stories matching what has been typed."""
        language = await self._choices_language(interaction)
        return [Choice(name=c.label, value=c.value) for c in self.briefer.story_choices(language, current)]

    @people.autocomplete("name")
    @timeline.autocomplete("person")
    async def person_autocomplete(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        """People matching any form of what has been typed."""
        language = await self._choices_language(interaction)
        story = getattr(interaction.namespace, "story", None)
        found = self.briefer.entry_choices(language, current, "people", story)
        return [Choice(name=c.label, value=c.value) for c in found]

    @glossary.autocomplete("term")
    async def term_autocomplete(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        """Terms matching any form of what has been typed."""
        language = await self._choices_language(interaction)
        story = getattr(interaction.namespace, "story", None)
        found = self.briefer.entry_choices(language, current, "terms", story)
        return [Choice(name=c.label, value=c.value) for c in found]

    # --- errors and chat --------------------------------------------------------------------------

    async def cog_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Anything unexpected: log it with its traceback, tell the user briefly in their language."""
        log.error(
            "command %r failed", interaction.command and interaction.command.qualified_name, exc_info=error
        )
        try:
            language = await self.language_for(interaction)
        except Exception:  # the store itself may be what failed
            language = self.default_language
        await self.refuse(interaction, language, N_("Something went wrong on our side. Please try again."))

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a question asked by mentioning the bot (mention content needs no privileged intent)."""
        me = self.bot.user
        if me is None or message.author.bot or me.id not in {user.id for user in message.mentions}:
            return
        setting = await self.store.guild_language(message.guild.id) if message.guild else None
        guild_locale = message.guild.preferred_locale.value if message.guild else None
        language = choose_language(None, setting, None, guild_locale, self.default_language)
        question = parse_question(message.content)
        queries: dict[str, Render] = {
            "summary": self.briefer.summary,
            "people": lambda lang: self.briefer.people(lang, question.subject),
            "timeline": lambda lang: self.briefer.timeline(lang, question.subject),
            "glossary": lambda lang: self.briefer.glossary(lang, question.subject),
            "briefs": self.briefer.stories,
            "help": self.briefer.help,
        }
        render = queries[question.intent]
        reply = render(language)
        view = None if reply.error else ReplyView(self, reply, render, language, message.author.id)
        sent = await message.reply(
            embed=to_embed(reply.pages[0], error=reply.error),
            view=view or discord.utils.MISSING,
            allowed_mentions=NO_PINGS,
            mention_author=False,
        )
        if view is not None:
            view.message = sent


async def setup(bot: commands.Bot, settings: Settings | None = None) -> None:
    """Build the cog from settings (read now, not at import) and add it with a catalog translator."""
    settings = settings or load_settings()
    library, problems = check_all(settings.briefs_dir, settings.locales_dir, every_reply=False)
    if library is None:
        raise RuntimeError("briefing content is invalid:\n" + "\n".join(map(str, problems)))
    catalogs = Catalogs.load(settings.locales_dir)
    store = await SQLiteStore.open(settings.database_url)
    host_translator = bot.tree.translator
    briefer = Briefer(library, catalogs)
    reloader = Reloader(briefer, settings.briefs_dir, settings.locales_dir)
    remote = None
    if settings.briefs_url:
        where = sqlite_path(settings.database_url)
        folder = (where.parent if isinstance(where, Path) else Path("data")) / "remote"
        remote = RemotePack(settings.briefs_url, folder, settings.locales_dir)
    cog = BriefingCog(
        bot,
        briefer,
        store,
        settings.default_language,
        host_translator=host_translator,
        reloader=reloader,
        reload_interval=settings.reload_interval,
        default_timezone=settings.default_timezone,
        remote=remote,
        remote_refresh=settings.briefs_refresh,
    )
    await bot.tree.set_translator(CatalogTranslator(catalogs, fallback=host_translator))
    await bot.add_cog(cog)
