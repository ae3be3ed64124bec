"""The languages we serve, and how a reply's language is chosen from what is known of the reader."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from functools import lru_cache
from typing import Literal, get_args

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.core import get_global

Language = Literal["en", "zh-Hans", "zh-Hant"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
CHINESE: tuple[Language, ...] = ("zh-Hans", "zh-Hant")

# Display names are each language's own name for itself, so a reader finds theirs in any interface.
LANGUAGE_NAMES: dict[Language, str] = {"en": "English", "zh-Hans": "简体中文", "zh-Hant": "繁體中文"}

# The Babel locale used for dates and plurals; English dates read day-month-year ("4 March 2026").
FORMAT_LOCALES: dict[Language, str] = {"en": "en_GB", "zh-Hans": "zh_Hans_CN", "zh-Hant": "zh_Hant_TW"}

# Chinese lines use full-width brackets and colons: 1993年（据报道）：…
_COLONS: dict[Language, str] = {"en": ": ", "zh-Hans": "：", "zh-Hant": "："}


def with_colon(label: str, language: Language) -> str:
    """A label followed by the colon its language writes."""
    return label + _COLONS[language]


def in_brackets(text: str, language: Language) -> str:
    """Text in round brackets as its language writes them, with the space English puts before them."""
    return f"（{text}）" if language in CHINESE else f" ({text})"


_BY_KEY: dict[str, Language] = {lang.replace("-", "_"): lang for lang in LANGUAGES}


def catalog_dir_name(language: Language) -> str:
    """Folder name of a language's catalog under `locales/` (gettext wants underscores)."""
    return language.replace("-", "_")


# Discord sends a few dozen distinct locale codes: each is parsed once. What people type passes here too
# (`parse_language`), so the cache is bounded.
@lru_cache(maxsize=512)
def _babel_key(code: str) -> str | None:
    """Turn any locale code into `lang` or `lang_Script`, filling the script from CLDR likely subtags."""
    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    if locale.language != "zh":
        return locale.language  # only Chinese is told apart by script
    script = locale.script
    if script is None:
        # CLDR's likely subtags (zh_TW → Hant); loading them costs milliseconds, so only Chinese asks.
        likely = get_global("likely_subtags").get(str(locale)) or get_global("likely_subtags").get(
            locale.language
        )
        if likely:
            script = Locale.parse(likely).script
    return f"zh_{script}" if script else locale.language


def negotiate(codes: Iterable[str | None], default: Language) -> Language:
    """Pick the first supported language for a list of preferred locale codes (Discord or BCP 47)."""
    preferred = [key for code in codes if code and (key := _babel_key(str(code)))]
    chosen = negotiate_locale(preferred, list(_BY_KEY)) if preferred else None
    return _BY_KEY.get(chosen, default) if chosen else default


def parse_language(value: str) -> Language | None:
    """Read a language a user typed: a code, an alias, or its own name; None if it is not ours."""
    cleaned = value.strip()
    for lang, name in LANGUAGE_NAMES.items():
        if cleaned.casefold() in (lang.casefold(), name.casefold()):
            return lang
    key = _babel_key(cleaned)
    return _BY_KEY.get(key) if key else None


# Where a language can come from, in the order a reply to a person asks them (a post with no reader
# skips the person's steps and starts with the digest's own language).
Step = Literal["option", "saved", "digest", "channel", "server", "locale", "server-locale", "default"]
STEPS: tuple[Step, ...] = get_args(Step)


@lru_cache(maxsize=512)  # asked for every candidate of every reply; the codes are few
def supported(code: str | None) -> Language | None:
    """The language of ours a locale code or setting means, if any."""
    if not code:
        return None
    key = _babel_key(str(code))
    chosen = negotiate_locale([key], list(_BY_KEY)) if key else None
    return _BY_KEY.get(chosen) if chosen else None


# A candidate's code, or how to look it up: a step that needs the store is asked only if those before it
# gave nothing, so a reply with a language chosen early makes no lookups at all.
Candidate = str | None | Callable[[], Awaitable[str | None]]


async def decide_language(
    candidates: Iterable[tuple[Step, Candidate]], default: Language
) -> tuple[Language, Step]:
    """The first candidate that is one of our languages, and which step it was; else the default."""
    for step, candidate in candidates:
        code = await candidate() if callable(candidate) else candidate
        if (language := supported(code)) is not None:
            return language, step
    return default, "default"
