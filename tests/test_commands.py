"""The registered command set: localised for zh-CN and zh-TW, valid by Discord's rules, no clashes."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.ext import commands

from bot.config import load_settings
from bot.discord import setup
from tests.conftest import BRIEFS, LOCALES


def valid_name(name: str) -> bool:
    """Discord's rule for command and option names: 1-32 letters, digits, - or _, lowercase where cased."""
    if not 1 <= len(name) <= 32 or name != name.lower():
        return False
    return all(
        c in "-_" or unicodedata.category(c)[0] in "LN" or unicodedata.category(c) == "Mn" for c in name
    )


@pytest.fixture
async def payload(tmp_path: Path) -> list[dict[str, Any]]:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
    settings = load_settings(
        BRIEFS_DIR=BRIEFS, LOCALES_DIR=LOCALES, DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3"
    )
    await setup(bot, settings)
    translator = bot.tree.translator
    assert translator is not None
    result = [await c.get_translated_payload(bot.tree, translator) for c in bot.tree.get_commands()]
    await bot.close()  # unloads the cogs: the store closes, the background tasks stop
    return result


def walk(payload: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for item in payload:
        found.append(item)
        found += walk(item.get("options", []))
    return found


async def test_the_command_set(payload: list[dict[str, Any]]) -> None:
    names = sorted(c["name"] for c in payload)
    assert names == ["briefs", "digest", "glossary", "language", "people", "summary", "timeline"]
    language = next(c for c in payload if c["name"] == "language")
    assert sorted(o["name"] for o in language["options"]) == ["me", "set", "show"]
    # Everyone saves their own language, in servers and DMs; /language set checks its permissions itself.
    assert language["default_member_permissions"] is None
    assert sorted(language["contexts"]) == [0, 1, 2]
    digest = next(c for c in payload if c["name"] == "digest")
    assert int(digest["default_member_permissions"]) == discord.Permissions(manage_guild=True).value
    assert digest["contexts"] == [0]  # servers only


async def test_every_name_and_description_is_localised_and_valid(payload: list[dict[str, Any]]) -> None:
    for item in walk(payload):
        assert valid_name(item["name"]), item["name"]
        assert 1 <= len(item["description"]) <= 100
        for locale in ("zh-CN", "zh-TW"):
            localised = item["name_localizations"][locale]
            assert valid_name(localised), (item["name"], locale, localised)
            description = item["description_localizations"][locale]
            assert 1 <= len(description) <= 100
            assert description != item["description"], (item["name"], locale)
        assert len(item.get("options", [])) <= 25
        assert len(item.get("choices", [])) <= 25


async def test_localised_option_names_do_not_clash(payload: list[dict[str, Any]]) -> None:
    for item in walk(payload):
        options = item.get("options", [])
        for locale in ("zh-CN", "zh-TW"):
            names = [o.get("name_localizations", {}).get(locale, o["name"]) for o in options]
            assert len(names) == len(set(names)), (item["name"], locale, names)


async def test_simplified_and_traditional_differ_where_the_scripts_do(payload: list[dict[str, Any]]) -> None:
    timeline = next(c for c in payload if c["name"] == "timeline")
    assert timeline["name_localizations"] == {"zh-CN": "时间线", "zh-TW": "時間線"}


async def test_language_choices_are_each_languages_own_name(payload: list[dict[str, Any]]) -> None:
    summary = next(c for c in payload if c["name"] == "summary")
    language = next(o for o in summary["options"] if o["name"] == "language")
    assert [c["name"] for c in language["choices"]] == ["English", "简体中文", "繁體中文"]


class HostTranslator(discord.app_commands.Translator):
    """A host bot's own translator, with a string of its own."""

    async def translate(self, string: Any, locale: discord.Locale, context: Any) -> str | None:
        return "主人" if string.message == "host" and locale is discord.Locale.chinese else None


async def test_loads_into_a_host_bot_as_an_extension_and_leaves_it_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFS_DIR", str(BRIEFS))
    monkeypatch.setenv("LOCALES_DIR", str(LOCALES))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/host.sqlite3")
    monkeypatch.setenv("RELOAD_INTERVAL", "0")
    host = commands.Bot(command_prefix="!", intents=discord.Intents.none())
    host_translator = HostTranslator()
    await host.tree.set_translator(host_translator)
    await host.load_extension("bot")
    assert {"Briefings", "Briefing language", "Daily digest"} <= set(host.cogs)
    translator = host.tree.translator
    assert translator is not host_translator
    context = discord.app_commands.TranslationContext(
        discord.app_commands.TranslationContextLocation.other, None
    )
    zh = discord.Locale.chinese
    assert await translator.translate(discord.app_commands.locale_str("timeline"), zh, context) == "时间线"
    assert await translator.translate(discord.app_commands.locale_str("host"), zh, context) == "主人"
    # Unloading drops bot.* from sys.modules; keep the modules the rest of this test run imported.
    loaded_modules = {k: v for k, v in sys.modules.items() if k == "bot" or k.startswith("bot.")}
    await host.unload_extension("bot")
    sys.modules.update(loaded_modules)
    assert host.cogs == {}
    assert host.tree.get_commands() == []
    assert host.tree.translator is host_translator
