"""The briefing commands (/summary, /people, /timeline, /glossary, /briefs) and questions asked in chat."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str
from discord.ext import commands

from bot.core.answers import Section, parse_question
from bot.core.language import LANGUAGE_NAMES, LANGUAGES, Language, parse_language
from bot.core.layout import quote_input
from bot.core.text import N_
from bot.discord.replies import AdapterCog
from bot.discord.views import ANSWERING_COG, COMPONENTS, Render, send_answer, send_to_channel

F = TypeVar("F", bound=Callable[..., Any])

LANGUAGE_CHOICES = [Choice(name=LANGUAGE_NAMES[lang], value=lang) for lang in LANGUAGES]


def story_and_language(func: F) -> F:
    """The `story` and `language` options that every briefing command shares, declared once."""
    names = {"story": locale_str("story"), "language": locale_str("language")}
    described = {
        "story": locale_str("Which story (default: the newest report)"),
        "language": locale_str("Reply in this language"),
    }
    # /briefs has no story: declare only the options the command really takes.
    taken = [name for name in names if name in inspect.signature(func).parameters]
    func = app_commands.rename(**{name: names[name] for name in taken})(func)
    func = app_commands.describe(**{name: described[name] for name in taken})(func)
    return app_commands.choices(language=LANGUAGE_CHOICES)(func)


class BriefingsCog(AdapterCog, name=ANSWERING_COG):
    """Slash commands, chat questions, and the clicks on every button and menu the extension ever sent."""

    async def cog_load(self) -> None:
        """Answer clicks by custom_id, including clicks on messages sent before this process started."""
        self.bot.add_dynamic_items(*COMPONENTS)

    async def cog_unload(self) -> None:
        """Leave clicks to the host bot once the extension is gone."""
        self.bot.remove_dynamic_items(*COMPONENTS)

    async def _command(self, interaction: discord.Interaction, option: str | None, render: Render) -> None:
        if option is not None and parse_language(option) is None:
            reader = await self.languages.for_interaction(interaction)
            await self.refuse(
                interaction, reader, N_("We have no briefings in “{value}”."), value=quote_input(option)
            )
            return
        await send_answer(
            self, interaction, render, await self.languages.for_interaction(interaction, option)
        )

    @app_commands.command(
        name=locale_str("summary"), description=locale_str("A story's summary and key points")
    )
    @story_and_language
    async def summary(
        self, interaction: discord.Interaction, story: str | None = None, language: str | None = None
    ) -> None:
        """Show a story's summary."""
        await self._command(interaction, language, lambda lang: self.briefer.summary(lang, story))

    @app_commands.command(
        name=locale_str("people"), description=locale_str("The people in a story, or one person")
    )
    @app_commands.rename(name=locale_str("name"))
    @app_commands.describe(name=locale_str("A name in any script, pinyin or handle"))
    @story_and_language
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
    @app_commands.rename(person=locale_str("person"))
    @app_commands.describe(person=locale_str("Only this person's events"))
    @story_and_language
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
    @app_commands.rename(term=locale_str("term"))
    @app_commands.describe(term=locale_str("A term in any script"))
    @story_and_language
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
    @story_and_language
    async def briefs(self, interaction: discord.Interaction, language: str | None = None) -> None:
        """List the stories."""
        await self._command(interaction, language, self.briefer.stories)

    # --- autocomplete ----------------------------------------------------------------------------

    async def _choices_language(self, interaction: discord.Interaction) -> Language:
        option = getattr(interaction.namespace, "language", None)
        return await self.languages.for_interaction(interaction, option if isinstance(option, str) else None)

    @summary.autocomplete("story")
    @people.autocomplete("story")
    @timeline.autocomplete("story")
    @glossary.autocomplete("story")
    async def story_autocomplete(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        """Stories matching what has been typed."""
        language = await self._choices_language(interaction)
        return [Choice(name=c.label, value=c.value) for c in self.briefer.story_choices(language, current)]

    async def _entry_autocomplete(
        self, interaction: discord.Interaction, current: str, section: Section
    ) -> list[Choice[str]]:
        language = await self._choices_language(interaction)
        story = getattr(interaction.namespace, "story", None)
        found = self.briefer.entry_choices(language, current, section, story)
        return [Choice(name=c.label, value=c.value) for c in found]

    @people.autocomplete("name")
    @timeline.autocomplete("person")
    async def person_autocomplete(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        """People matching any form of what has been typed."""
        return await self._entry_autocomplete(interaction, current, "people")

    @glossary.autocomplete("term")
    async def term_autocomplete(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        """Terms matching any form of what has been typed."""
        return await self._entry_autocomplete(interaction, current, "terms")

    # --- chat ------------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a question asked by mentioning the bot (mention content needs no privileged intent)."""
        me = self.bot.user
        if me is None or message.author.bot or me.id not in {user.id for user in message.mentions}:
            return
        language = await self.languages.for_message(message)
        question = parse_question(message.content)
        await send_to_channel(self, message, lambda lang: self.briefer.ask(lang, question), language)
