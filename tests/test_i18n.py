"""Locale negotiation, dates at their precision, and script conversion."""

from __future__ import annotations

import pytest

from bot.core.content import Entry, Glossary, Text, render_text
from bot.core.language import negotiate, parse_language
from bot.core.text import PartialDate, Replacements, format_partial_date, to_traditional


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en-US", "en"),
        ("en-GB", "en"),
        ("zh-CN", "zh-Hans"),
        ("zh-TW", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh", "zh-Hans"),
        ("fr", "zh-Hant"),  # not ours: the default given
        ("ja", "zh-Hant"),
        ("not-a-locale", "zh-Hant"),
        (None, "zh-Hant"),
    ],
)
def test_negotiate_discord_locales(code: str | None, expected: str) -> None:
    assert negotiate([code], "zh-Hant") == expected


def test_negotiate_takes_the_first_supported() -> None:
    assert negotiate(["fr", "de", "zh-TW", "en-US"], "en") == "zh-Hant"


@pytest.mark.parametrize(
    ("text", "en", "zh"),
    [
        ("2019", "2019", "2019年"),
        ("2025-07", "July 2025", "2025年7月"),
        ("2026-03-04", "4 March 2026", "2026年3月4日"),
    ],
)
def test_dates_render_at_their_precision(text: str, en: str, zh: str) -> None:
    date = PartialDate.parse(text)
    assert str(date) == text
    assert format_partial_date(date, "en") == en
    assert format_partial_date(date, "zh-Hans") == zh
    assert format_partial_date(date, "zh-Hant") == zh


@pytest.mark.parametrize(
    "bad", ["2026-3", "2026-02-30", "26", "2026-13", "2026-01-01T10:00", "March 2026", ""]
)
def test_bad_dates_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        PartialDate.parse(bad)


def test_dates_order_by_time() -> None:
    assert PartialDate.parse("2019") < PartialDate.parse("2019-07") < PartialDate.parse("2026-03-04")


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("en", "en"),
        ("zh-Hans", "zh-Hans"),
        ("ZH-HANT", "zh-Hant"),
        ("繁體中文", "zh-Hant"),
        ("zh-TW", "zh-Hant"),
        ("fr", None),
    ],
)
def test_parse_language(typed: str, language: str | None) -> None:
    assert parse_language(typed) == language


def test_traditional_conversion_uses_taiwan_forms() -> None:
    assert to_traditional("林俊旸离开了团队") == "林俊暘離開了團隊"


TAIWAN = Replacements.from_table(
    {"報道": "報導", "帖子": "貼文", "一條帖子": "一則貼文", "“": "「", "”": "」"}
)


def test_replacements_give_taiwan_forms_after_opencc() -> None:
    assert to_traditional("他发了一条帖子，报道说“再见”") == "他發了一條帖子，報道說“再見”"
    assert to_traditional("他发了一条帖子，报道说“再见”", TAIWAN) == "他發了一則貼文，報導說「再見」"
    assert to_traditional("这些帖子", TAIWAN) == "這些貼文"  # the shorter form where the longer is absent


def test_replacements_never_touch_names_or_an_editors_words() -> None:
    paper = Entry.model_validate(
        {
            "id": "paper",
            "kind": "organisation",
            "en": "The Report",
            "zh-Hans": "“报道”周刊",
            "zh-Hant": "“報道”週刊",
            "confidence": "confirmed",
            "source": "test",
        }
    )
    glossary = Glossary([paper])
    converted = Text.model_validate({"en": "{paper} said so", "zh-Hans": "{paper}的报道说“是”"})
    assert render_text(converted, "zh-Hant", glossary, TAIWAN) == "“報道”週刊的報導說「是」"
    edited = Text.model_validate({"en": "x", "zh-Hans": "报道", "zh-Hant": "報道（原文如此）"})
    assert render_text(edited, "zh-Hant", glossary, TAIWAN) == "報道（原文如此）"
