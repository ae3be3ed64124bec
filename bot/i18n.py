"""Languages, locale negotiation, gettext catalogs, dates and script conversion."""

from __future__ import annotations

import datetime as dt
import gettext
import multiprocessing
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, get_args

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.core import get_global
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.settings import Language

LANGUAGES: tuple[Language, ...] = get_args(Language)
CHINESE: tuple[Language, ...] = ("zh-Hans", "zh-Hant")
DOMAIN = "messages"

# Display names are each language's own name for itself, so a reader finds theirs in any interface.
LANGUAGE_NAMES: dict[Language, str] = {"en": "English", "zh-Hans": "简体中文", "zh-Hant": "繁體中文"}

# The Babel locale used for dates and plurals; English dates read day-month-year ("4 March 2026").
FORMAT_LOCALES: dict[Language, str] = {"en": "en_GB", "zh-Hans": "zh_Hans_CN", "zh-Hant": "zh_Hant_TW"}


def catalog_dir_name(language: Language) -> str:
    """Folder name of a language's catalog under `locales/` (gettext wants underscores)."""
    return language.replace("-", "_")


@cache  # Discord sends a few dozen distinct locale codes; parse each once
def _babel_key(code: str) -> str | None:
    """Turn any locale code into `lang` or `lang_Script`, filling the script from CLDR likely subtags."""
    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    script = locale.script
    if script is None:
        likely = get_global("likely_subtags").get(str(locale)) or get_global("likely_subtags").get(
            locale.language
        )
        if likely:
            script = Locale.parse(likely).script
    if locale.language == "zh" and script:
        return f"zh_{script}"
    return locale.language


def negotiate(codes: Iterable[str | None], default: Language) -> Language:
    """Pick the first supported language for a list of preferred locale codes (Discord or BCP 47)."""
    preferred = [key for code in codes if code and (key := _babel_key(str(code)))]
    available = [catalog_dir_name(lang) for lang in LANGUAGES]
    chosen = negotiate_locale(preferred, available) if preferred else None
    if chosen is None:
        return default
    return chosen.replace("_", "-")  # type: ignore[return-value]


def parse_language(value: str) -> Language | None:
    """Read a language a user typed: a code, an alias, or its own name; None if it is not ours."""
    cleaned = value.strip()
    for lang, name in LANGUAGE_NAMES.items():
        if cleaned.casefold() in (lang.casefold(), name.casefold()):
            return lang
    key = _babel_key(cleaned)
    if key is None:
        return None
    lang = key.replace("_", "-")
    return lang if lang in LANGUAGES else None  # type: ignore[return-value]


# --- dates ---------------------------------------------------------------------------------------

Precision = Literal["year", "month", "day"]


@dataclass(frozen=True, order=True)
class PartialDate:
    """A calendar date known to a year, a month or a day."""

    year: int
    month: int = 1
    day: int = 1
    precision: Precision = "day"

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; the form sets the precision."""
        parts = text.strip().split("-")
        if not all(p.isdigit() for p in parts) or len(parts[0]) != 4 or len(parts) > 3:
            raise ValueError(f"{text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        if any(len(p) != 2 for p in parts[1:]):
            raise ValueError(f"{text!r} must use two digits for month and day")
        numbers = [int(p) for p in parts]
        precision: Precision = ("year", "month", "day")[len(parts) - 1]
        # Raises on a month or day that does not exist.
        full = dt.date(numbers[0], *[*numbers[1:], 1, 1][:2])
        return cls(full.year, full.month, full.day, precision)

    def as_date(self) -> dt.date:
        """The first day this date could mean."""
        return dt.date(self.year, self.month, self.day)

    def __str__(self) -> str:
        return {"year": f"{self.year:04d}", "month": f"{self.year:04d}-{self.month:02d}"}.get(
            self.precision, self.as_date().isoformat()
        )


def format_partial_date(value: PartialDate, language: Language) -> str:
    """Render a date at its precision in a language with Babel's CLDR patterns."""
    locale = FORMAT_LOCALES[language]
    if value.precision == "year":
        return format_skeleton("y", value.as_date(), locale=locale)
    if value.precision == "month":
        return format_skeleton("yMMMM", value.as_date(), locale=locale)
    return format_date(value.as_date(), "long", locale=locale)


# --- scripts ---------------------------------------------------------------------------------------


_converted: dict[str, str] = {}


@cache
def _converter() -> object:
    import opencc  # noqa: PLC0415 - the converter loads its dictionaries; only pay for it when needed

    return opencc.OpenCC("s2twp")


def _convert_batch(texts: list[str]) -> list[str]:
    converter = _converter()
    return [converter.convert(text) for text in texts]  # type: ignore[attr-defined]


def prepare_traditional(texts: Iterable[str]) -> None:
    """Convert many texts at once in a short-lived child process and remember the results.

    OpenCC's dictionaries take about 45 MB; loading them in a child that exits keeps that out of a
    bot that runs for months. Forked, so the child starts at once with the parent's modules.
    """
    todo = sorted({t for t in texts if t not in _converted})
    if not todo:
        return
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
            results = pool.submit(_convert_batch, todo).result(timeout=120)
    except (OSError, BrokenProcessPool, TimeoutError):
        results = _convert_batch(todo)  # no child process to be had: convert here instead
    _converted.update(zip(todo, results, strict=True))


def to_traditional(text: str) -> str:
    """Convert Simplified Chinese prose to Traditional with Taiwan phrasing (OpenCC s2twp)."""
    if text not in _converted:
        _converted[text] = _convert_batch([text])[0]
    return _converted[text]


# --- interface strings -------------------------------------------------------------------------------


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message


def compile_catalogs(locales_dir: Path) -> list[Path]:
    """Compile each `messages.po` to `.mo` when the `.mo` is missing or older; return those written."""
    written = []
    for lang in LANGUAGES:
        po = locales_dir / catalog_dir_name(lang) / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = po.with_suffix(".mo")
        if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
            with po.open("rb") as src:
                catalog = read_po(src, locale=catalog_dir_name(lang))
            with mo.open("wb") as dst:
                write_mo(dst, catalog)
            written.append(mo)
    return written


class Catalogs:
    """The compiled gettext catalogs, one per language."""

    def __init__(self, translations: dict[Language, gettext.NullTranslations]) -> None:
        self._translations = translations

    @classmethod
    def load(cls, locales_dir: Path) -> Catalogs:
        """Load `.mo` catalogs, compiling stale ones first; English falls back to the source strings."""
        compile_catalogs(locales_dir)
        translations: dict[Language, gettext.NullTranslations] = {}
        for lang in LANGUAGES:
            mo = locales_dir / catalog_dir_name(lang) / "LC_MESSAGES" / f"{DOMAIN}.mo"
            # Read the file itself: gettext.translation() caches by path, which would hide a reload.
            if mo.exists():
                with mo.open("rb") as fh:
                    translations[lang] = gettext.GNUTranslations(fh)
            else:
                translations[lang] = gettext.NullTranslations()
        return cls(translations)

    def get(self, language: Language) -> gettext.NullTranslations:
        """The translations for one language."""
        return self._translations[language]

    def gettext(self, language: Language, message: str, /, **values: object) -> str:
        """Translate a message and fill its named placeholders."""
        text = self._translations[language].gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, language: Language, singular: str, plural: str, n: int, /, **values: object) -> str:
        """Translate a message with a plural form chosen by the language's rules."""
        text = self._translations[language].ngettext(singular, plural, n)
        return text.format(n=n, **values)


def choose_language(
    option: str | None,
    guild_setting: str | None,
    reader_locale: str | None,
    guild_locale: str | None,
    default: Language,
) -> Language:
    """The reply language: the command's option, the server's choice, the reader, the server's locale."""
    return negotiate([option, guild_setting, reader_locale, guild_locale], default)
