"""Localised command names, descriptions, options and choices, from the same gettext catalogs."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.core.language import Language
from bot.core.text import Catalogs

# Discord's locales for which commands carry a translation; every other locale sees English.
COMMAND_LOCALES: dict[discord.Locale, Language] = {
    discord.Locale.chinese: "zh-Hans",
    discord.Locale.taiwan_chinese: "zh-Hant",
}


class CatalogTranslator(app_commands.Translator):
    """Translates our command strings; a host bot's own translator keeps answering for the rest."""

    def __init__(self, catalogs: Catalogs, fallback: app_commands.Translator | None = None) -> None:
        self.catalogs = catalogs
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
        self, string: locale_str, locale: discord.Locale, context: app_commands.TranslationContext[Any, Any]
    ) -> str | None:
        """The catalog's translation, or the host's, or None to leave the string as it is."""
        language = COMMAND_LOCALES.get(locale)
        if language is not None:
            translated = self.catalogs[language](string.message)
            if translated != string.message:
                return translated
        if self.fallback is not None:
            return await self.fallback.translate(string, locale, context)
        return None
