"""Replies with buttons: paging for whoever asked, and the same reply in another language for anyone."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import discord

from bot.core.answers import Answer, NotFound, reply_buttons
from bot.core.language import LANGUAGE_NAMES, Language
from bot.core.layout import Reply
from bot.core.text import N_
from bot.discord.replies import NO_PINGS, AdapterCog, to_embed

log = logging.getLogger(__name__)

VIEW_TIMEOUT = 300.0
SLOW_ANSWER = 1.5  # seconds; Discord drops an interaction not answered (or deferred) within 3
Render = Callable[[Language], Answer]


class PageButton(discord.ui.Button["ReplyView"]):
    """Previous or Next: turns the pages of the message for the person who asked."""

    def __init__(self, label: str, step: int) -> None:
        super().__init__(label=label, style=discord.ButtonStyle.secondary)
        self.step = step

    async def callback(self, interaction: discord.Interaction) -> None:
        """Turn the page, or tell someone else that these pages are not theirs."""
        if self.view is not None:
            await self.view.turn(interaction, self.step)


class LanguageButton(discord.ui.Button["ReplyView"]):
    """The same reply in another language, privately, for whoever clicks."""

    def __init__(self, language: Language) -> None:
        super().__init__(label=LANGUAGE_NAMES[language], style=discord.ButtonStyle.primary)
        self.language: Language = language

    async def callback(self, interaction: discord.Interaction) -> None:
        """Answer the clicker in this button's language."""
        if self.view is not None:
            await send_answer(self.view.cog, interaction, self.view.render, self.language, ephemeral=True)


class ReplyView(discord.ui.View):
    """Paging buttons for whoever asked, and language buttons for anyone who clicks."""

    def __init__(
        self, cog: AdapterCog, reply: Reply, render: Render, language: Language, owner_id: int
    ) -> None:
        super().__init__(timeout=VIEW_TIMEOUT)
        self.cog = cog
        self.reply = reply
        self.render = render
        self.owner_id = owner_id
        self.page = 0
        self.message: discord.Message | None = None
        self.interaction: discord.Interaction | None = None
        _ = cog.briefer.translation(language)
        self.previous = PageButton(_("Previous"), -1)
        self.next = PageButton(_("Next"), 1)
        for button in reply_buttons(reply, language, _):  # the same buttons the studio shows
            if button.action == "previous":
                self.add_item(self.previous)
            elif button.action == "next":
                self.add_item(self.next)
            elif button.language is not None:
                self.add_item(LanguageButton(button.language))
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= len(self.reply.pages) - 1

    async def turn(self, interaction: discord.Interaction, step: int) -> None:
        """Move by `step` pages, for the person who asked only."""
        if interaction.user.id != self.owner_id:
            language = await self.cog.languages.for_interaction(interaction)
            await self.cog.refuse(
                interaction, language, N_("Only the person who asked can turn these pages.")
            )
            return
        self.page = max(0, min(len(self.reply.pages) - 1, self.page + step))
        self._sync_buttons()
        await interaction.response.edit_message(
            embed=to_embed(self.reply.pages[self.page]), view=self, allowed_mentions=NO_PINGS
        )

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


async def answer_off_loop(render: Render, language: Language) -> Answer:
    """Build an answer in a worker thread: a huge card is laid out there, never on the event loop."""
    return await asyncio.to_thread(render, language)


async def send_answer(
    cog: AdapterCog,
    interaction: discord.Interaction,
    render: Render,
    language: Language,
    ephemeral: bool = False,
) -> None:
    """Send an answer's first page with its buttons; a NotFound goes privately to the reader.

    The answer is built off the event loop, so other interactions are answered meanwhile; one that
    takes longer than Discord's first-response window allows is deferred and sent as a follow-up.
    """
    job = asyncio.ensure_future(answer_off_loop(render, language))
    done, _ = await asyncio.wait({job}, timeout=SLOW_ANSWER)
    if not done:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    answer = await job
    if isinstance(answer, NotFound):
        embed = to_embed(answer.view, error=True)
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)
        return
    view = ReplyView(cog, answer, render, language, interaction.user.id)
    view.interaction = interaction
    if interaction.response.is_done():
        await interaction.followup.send(
            embed=to_embed(answer.pages[0]), view=view, ephemeral=ephemeral, allowed_mentions=NO_PINGS
        )
        return
    await interaction.response.send_message(
        embed=to_embed(answer.pages[0]), view=view, ephemeral=ephemeral, allowed_mentions=NO_PINGS
    )


async def send_to_channel(
    cog: AdapterCog, message: discord.Message, render: Render, language: Language
) -> None:
    """Answer a chat message in its channel, with the same buttons a command reply carries."""
    answer = await answer_off_loop(render, language)
    if isinstance(answer, NotFound):
        await message.reply(
            embed=to_embed(answer.view, error=True), allowed_mentions=NO_PINGS, mention_author=False
        )
        return
    view = ReplyView(cog, answer, render, language, message.author.id)
    view.message = await message.reply(
        embed=to_embed(answer.pages[0]), view=view, allowed_mentions=NO_PINGS, mention_author=False
    )
