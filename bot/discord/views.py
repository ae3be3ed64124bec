"""Buttons and menus that keep working on every post, for as long as it exists.

Each component is a discord.py `DynamicItem`: its custom_id carries everything needed to answer a click
(what was asked, by short keys of card and glossary ids, the language, the page, who asked), so a click
is answered after a restart, a reload of the cards or days later, and nothing is held in memory.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Self, cast

import discord
from discord.ext import commands

from bot.core.answers import Answer, Briefer, NotFound, reply_buttons
from bot.core.content import KEY_LENGTH, KEY_PATTERN, short_key
from bot.core.language import LANGUAGE_NAMES, LANGUAGES, Language
from bot.core.layout import CHOICE_NAME, Query, QueryKind, Reply, View, clip, pack_messages
from bot.core.text import N_, Translation
from bot.digest import compose_stories
from bot.discord.replies import NO_PINGS, AdapterCog, to_embed

log = logging.getLogger(__name__)

SLOW_ANSWER = 1.5  # seconds; Discord drops an interaction not answered (or deferred) within 3
Render = Callable[[Language], Answer]
Button = discord.ui.Button[discord.ui.View]
Select = discord.ui.Select[discord.ui.View]

# The cog whose briefer and language chain answer clicks: found on the bot at click time, never captured.
ANSWERING_COG = "Briefings"
PREFIX = "brief"  # custom_ids of a host bot's own components never start with it
CUSTOM_ID = 100  # Discord's limit on a custom_id
STORIES_PER_POST = 10  # a digest message holds at most 10 embeds, so at most 10 stories
SENT_PAGES = 256  # pages kept as Discord objects, ready to send again

KIND_CODES: dict[QueryKind, str] = {
    "summary": "s",
    "people": "p",
    "timeline": "t",
    "glossary": "g",
    "stories": "b",
    "help": "h",
}
KINDS = {code: kind for kind, code in KIND_CODES.items()}
_LANG = "|".join(re.escape(lang) for lang in LANGUAGES)
_QUERY = rf"[{''.join(KINDS)}]:(?:{KEY_PATTERN}|-):(?:{KEY_PATTERN}|-)"

GONE_STORY = N_("That story is no longer in the briefings.")
GONE_NAME = N_("That name is no longer in the briefings.")
GONE_STORIES = N_("These stories are no longer in the briefings.")


def encode_query(query: Query) -> str:
    """A query as a few characters: its kind, then short keys of its card and glossary ids."""
    story = short_key(query.story) if query.story else "-"
    subject = short_key(query.subject) if query.subject else "-"
    return f"{KIND_CODES[query.kind]}:{story}:{subject}"


def _as_language(value: str) -> Language:
    """A language the template has already matched."""
    return cast(Language, value)


# --- the components ----------------------------------------------------------------------------------


class LanguageButton(
    discord.ui.DynamicItem[Button], template=rf"{PREFIX}:l:(?P<lang>{_LANG}):(?P<query>{_QUERY})"
):
    """The same answer in another language, privately, for whoever clicks."""

    def __init__(self, language: Language, query: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=LANGUAGE_NAMES[language],
                style=discord.ButtonStyle.primary,
                custom_id=f"{PREFIX}:l:{language}:{query}",
            )
        )
        self.language: Language = language
        self.query = query

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from its custom_id."""
        return cls(_as_language(match["lang"]), match["query"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Answer the clicker privately in this button's language."""
        await _answering(
            interaction, lambda cog: show_in_language(cog, interaction, self.language, self.query)
        )


class PageButton(
    discord.ui.DynamicItem[Button],
    template=(
        rf"{PREFIX}:p:(?P<step>[pn]):(?P<page>\d{{1,4}}):(?P<lang>{_LANG}):(?P<owner>\d{{1,20}})"
        rf":(?P<query>{_QUERY})"
    ),
):
    """Previous or Next: the asker turns the message's pages; anyone else gets a private copy at that page."""

    def __init__(
        self, step: str, page: int, language: Language, owner_id: int, query: str, label: str = ""
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or step,
                style=discord.ButtonStyle.secondary,
                custom_id=f"{PREFIX}:p:{step}:{page}:{language}:{owner_id}:{query}",
            )
        )
        self.page = page
        self.language: Language = language
        self.owner_id = owner_id
        self.query = query

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from its custom_id."""
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(
            match["step"],
            int(match["page"]),
            _as_language(match["lang"]),
            int(match["owner"]),
            match["query"],
            label or "",
        )

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Turn the page for the asker, or give anyone else their own copy at that page."""
        await _answering(interaction, lambda cog: turn_page(cog, interaction, self))


class DigestLanguageButton(
    discord.ui.DynamicItem[Button],
    template=rf"{PREFIX}:dl:(?P<lang>{_LANG}):(?P<stories>(?:{KEY_PATTERN}){{1,{STORIES_PER_POST}}})",
):
    """A whole digest post, privately, in another language."""

    def __init__(self, language: Language, stories: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=LANGUAGE_NAMES[language],
                style=discord.ButtonStyle.primary,
                custom_id=f"{PREFIX}:dl:{language}:{stories}",
            )
        )
        self.language: Language = language
        self.stories = stories

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from its custom_id."""
        return cls(_as_language(match["lang"]), match["stories"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Send the clicker the digest's stories in this language."""
        await _answering(interaction, lambda cog: show_digest(cog, interaction, self.language, self.stories))


class StorySelect(discord.ui.DynamicItem[Select], template=rf"{PREFIX}:ds:(?P<lang>{_LANG}|-)"):
    """One story of a digest as a private summary, in the reader's language unless the copy fixes one."""

    def __init__(
        self, language: Language | None, options: Sequence[discord.SelectOption], placeholder: str = ""
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"{PREFIX}:ds:{language or '-'}",
                options=list(options),
                placeholder=placeholder or None,
                min_values=1,
                max_values=1,
            )
        )
        self.language: Language | None = language

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the menu from its custom_id; the choice comes with the click."""
        options = item.options if isinstance(item, discord.ui.Select) else []
        return cls(None if match["lang"] == "-" else _as_language(match["lang"]), options)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Open the chosen story privately."""
        chosen = self.item.values[0] if self.item.values else ""
        await _answering(interaction, lambda cog: open_story(cog, interaction, self.language, chosen))


COMPONENTS = (LanguageButton, PageButton, DigestLanguageButton, StorySelect)


# --- building the views --------------------------------------------------------------------------------


def _let_go(view: discord.ui.View) -> discord.ui.View:
    """The view, stopped before it is sent: its buttons are answered by custom_id alone, not by the view.

    discord.py keeps a view it sends until the view stops, and gives a private reply's view a 15-minute
    timeout task: kept, a thousand language clicks would hold a thousand views and tasks for nothing.
    """
    view.stop()
    return view


def reply_view(
    briefer: Briefer, reply: Reply, language: Language, owner_id: int, page: int = 0
) -> discord.ui.View:
    """Paging for a reply of several pages, and the other languages, all answerable forever."""
    return _reply_view(reply, language, briefer.translation(language), owner_id, page)


def _reply_view(
    reply: Reply, language: Language, translation: Translation, owner_id: int, page: int
) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if reply.query is None:
        return _let_go(view)
    query = encode_query(reply.query)
    last = len(reply.pages) - 1
    # The same buttons the studio shows, each carrying what its click needs.
    for button in reply_buttons(reply, language, translation, page):
        item: PageButton | LanguageButton
        if button.action == "previous":
            item = PageButton("p", max(0, page - 1), language, owner_id, query, button.label)
        elif button.action == "next":
            item = PageButton("n", min(last, page + 1), language, owner_id, query, button.label)
        elif button.language is not None:
            item = LanguageButton(button.language, query)
        else:
            continue
        item.item.disabled = button.disabled
        view.add_item(item)
    return _let_go(view)


@functools.lru_cache(maxsize=SENT_PAGES)
def _sent_page(
    reply: Reply, language: Language, translation: Translation, owner_id: int, page: int
) -> tuple[discord.Embed, discord.ui.View]:
    # A stopped view and an embed are only read when sent, so a page asked for again (a remembered reply,
    # the same click) is sent as the same objects. The translation is part of the key: a catalog reload
    # brings new labels. Replies are compared by value, and one read again is the very same object.
    return to_embed(reply.pages[page]), _reply_view(reply, language, translation, owner_id, page)


def sent_page(
    briefer: Briefer, reply: Reply, language: Language, owner_id: int, page: int = 0
) -> tuple[discord.Embed, discord.ui.View]:
    """One page of a reply as Discord sends it: its embed, and its buttons for this reader."""
    # Only the paging buttons name who asked: a one-page reply looks the same whoever asked for it.
    owner = owner_id if len(reply.pages) > 1 else 0
    return _sent_page(reply, language, briefer.translation(language), owner, page)


def digest_view(
    briefer: Briefer, views: Sequence[View], language: Language, fixed: bool = False
) -> discord.ui.View | None:
    """A digest message's menu of its stories and its other languages; None when it names no story.

    On the post itself the menu opens a story in each reader's own language; on a private copy in a
    chosen language (`fixed`), in that language.
    """
    stories = list(dict.fromkeys(v.story for v in views if v.story))[:STORIES_PER_POST]
    if not stories:
        return None
    _ = briefer.translation(language)
    library = briefer.library
    served = {card.id for card in library.cards}
    options = [
        discord.SelectOption(
            label=clip(library.briefing(story, language).title, CHOICE_NAME), value=short_key(story)
        )
        for story in stories
        if story in served
    ]
    view = discord.ui.View(timeout=None)
    if options:
        view.add_item(StorySelect(language if fixed else None, options, _("Open a story")))
    keys = "".join(short_key(story) for story in stories)
    for other in LANGUAGES:
        if other != language:
            view.add_item(DigestLanguageButton(other, keys))
    return _let_go(view)


# --- answering clicks --------------------------------------------------------------------------------


async def _answering(
    interaction: discord.Interaction[Any], work: Callable[[AdapterCog], Awaitable[None]]
) -> None:
    """Run a click's answer with the extension's cog; anything unexpected is logged and answered briefly."""
    client = interaction.client
    # AutoShardedBot is no subclass of Bot: both are named.
    bots = (commands.Bot, commands.AutoShardedBot)
    cog = client.get_cog(ANSWERING_COG) if isinstance(client, bots) else None
    if not isinstance(cog, AdapterCog):  # the extension was unloaded: the host bot may own the click
        return
    try:
        await work(cog)
    except Exception:
        log.exception("component %r failed", interaction.data and interaction.data.get("custom_id"))
        try:
            language = await cog.languages.for_interaction(interaction)
        except Exception:  # the store itself may be what failed
            language = cog.languages.default
        await cog.refuse(interaction, language, N_("Something went wrong on our side. Please try again."))


async def _query(cog: AdapterCog, interaction: discord.Interaction[Any], code: str) -> Query | None:
    """The query a component names, or None once the clicker is told its story or name is gone."""
    kind, story_key, subject_key = code.split(":")
    story = cog.briefer.story_for_key(story_key) if story_key != "-" else None
    subject = cog.briefer.entry_for_key(subject_key) if subject_key != "-" else None
    gone = GONE_STORY if story_key != "-" and story is None else None
    if gone is None and subject_key != "-" and subject is None:
        gone = GONE_NAME
    if gone is not None:
        await cog.refuse(interaction, await cog.languages.for_interaction(interaction), gone)
        return None
    return Query(KINDS[kind], story, subject)


async def _send_not_found(interaction: discord.Interaction[Any], answer: NotFound) -> None:
    embed = to_embed(answer.view, error=True)
    if interaction.response.is_done():  # deferred while a slow answer was built
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)
        return
    await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)


async def _asked_again(
    cog: AdapterCog, interaction: discord.Interaction[Any], code: str, language: Language
) -> Reply | None:
    """The answer a component names, asked again now; None once the clicker is told what is gone."""
    query = await _query(cog, interaction, code)
    if query is None:
        return None
    answer = cog.briefer.answer(language, query)
    if isinstance(answer, NotFound):
        # Both ids still exist, but a reload took the person or term out of that story.
        gone = GONE_NAME if query.subject else GONE_STORY
        await cog.refuse(interaction, await cog.languages.for_interaction(interaction), gone)
        return None
    return answer


async def show_in_language(
    cog: AdapterCog, interaction: discord.Interaction[Any], language: Language, code: str
) -> None:
    """A language button: the same answer, privately, with its own buttons for the clicker."""
    answer = await _asked_again(cog, interaction, code, language)
    if answer is not None:
        await send_reply(cog, interaction, answer, language, ephemeral=True)


async def turn_page(cog: AdapterCog, interaction: discord.Interaction[Any], button: PageButton) -> None:
    """Previous or Next, as the asker or as anyone else."""
    answer = await _asked_again(cog, interaction, button.query, button.language)
    if answer is None:
        return
    page = min(button.page, len(answer.pages) - 1)  # a reload may have shortened the reply
    if interaction.user.id != button.owner_id:
        await send_reply(cog, interaction, answer, button.language, ephemeral=True, page=page)
        return
    embed, view = sent_page(cog.briefer, answer, button.language, button.owner_id, page)
    await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_PINGS)


async def show_digest(
    cog: AdapterCog, interaction: discord.Interaction[Any], language: Language, keys: str
) -> None:
    """A digest post's stories, privately, in the clicked language, with the same menu and buttons."""
    found = [cog.briefer.story_for_key(keys[i : i + KEY_LENGTH]) for i in range(0, len(keys), KEY_LENGTH)]
    views = compose_stories(cog.briefer, language, [story for story in found if story])
    if not views:
        await cog.refuse(interaction, await cog.languages.for_interaction(interaction), GONE_STORIES)
        return
    # Another language may run longer than the post did: it then takes several private messages.
    for index, message in enumerate(pack_messages(views)):
        embeds = [to_embed(v) for v in message]
        view = digest_view(cog.briefer, message, language, fixed=True) or discord.utils.MISSING
        if index == 0:
            await interaction.response.send_message(
                embeds=embeds, view=view, ephemeral=True, allowed_mentions=NO_PINGS
            )
        else:
            await interaction.followup.send(
                embeds=embeds, view=view, ephemeral=True, allowed_mentions=NO_PINGS
            )


async def open_story(
    cog: AdapterCog, interaction: discord.Interaction[Any], language: Language | None, key: str
) -> None:
    """A story chosen in a digest's menu, as a private summary with its own buttons."""
    story = cog.briefer.story_for_key(key)
    reader = language or await cog.languages.for_interaction(interaction)
    if story is None:
        await cog.refuse(interaction, reader, GONE_STORY)
        return
    await send_reply(cog, interaction, cog.briefer.summary(reader, story), reader, ephemeral=True)


# --- sending answers ---------------------------------------------------------------------------------


async def send_reply(
    cog: AdapterCog,
    interaction: discord.Interaction[Any],
    answer: Answer,
    language: Language,
    ephemeral: bool = False,
    page: int = 0,
) -> None:
    """Send one page of an answer with its buttons, owned by the person interacting; a NotFound privately."""
    if isinstance(answer, NotFound):
        await _send_not_found(interaction, answer)
        return
    embed, view = sent_page(cog.briefer, answer, language, interaction.user.id, page)
    if interaction.response.is_done():  # deferred while a slow answer was built
        await interaction.followup.send(
            embed=embed, view=view, ephemeral=ephemeral, allowed_mentions=NO_PINGS
        )
        return
    await interaction.response.send_message(
        embed=embed, view=view, ephemeral=ephemeral, allowed_mentions=NO_PINGS
    )


def build_off_loop(render: Render, language: Language) -> asyncio.Future[Answer]:
    """Build a new answer in a worker thread: a huge card is laid out there, never on the event loop."""
    return asyncio.ensure_future(asyncio.to_thread(render, language))


async def send_answer(
    cog: AdapterCog,
    interaction: discord.Interaction[Any],
    render: Render,
    language: Language,
    ephemeral: bool = False,
) -> None:
    """Answer a command: its first page with buttons; a NotFound goes privately to the reader.

    A remembered answer is sent at once. A new one is built off the event loop, so other interactions
    are answered meanwhile; one that takes longer than Discord's first-response window allows is
    deferred and sent as a follow-up.
    """
    remembered = cog.briefer.recall(render, language)
    if remembered is not None:
        await send_reply(cog, interaction, remembered, language, ephemeral)
        return
    job = build_off_loop(render, language)
    done, _ = await asyncio.wait({job}, timeout=SLOW_ANSWER)
    if not done:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    await send_reply(cog, interaction, await job, language, ephemeral)


async def send_to_channel(
    cog: AdapterCog, message: discord.Message, render: Render, language: Language
) -> None:
    """Answer a chat message in its channel, with the same buttons a command reply carries."""
    answer = cog.briefer.recall(render, language)
    if answer is None:
        answer = await build_off_loop(render, language)
    if isinstance(answer, NotFound):
        await message.reply(
            embed=to_embed(answer.view, error=True), allowed_mentions=NO_PINGS, mention_author=False
        )
        return
    embed, view = sent_page(cog.briefer, answer, language, message.author.id)
    await message.reply(embed=embed, view=view, allowed_mentions=NO_PINGS, mention_author=False)
