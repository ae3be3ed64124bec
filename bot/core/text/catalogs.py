"""Interface strings: gettext catalogs compiled with Babel, and a translation bound to one language."""

from __future__ import annotations

import gettext
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.core.language import LANGUAGES, Language, catalog_dir_name

DOMAIN = "messages"
log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message


def catalog_path(locales_dir: Path, language: Language, suffix: str = ".po") -> Path:
    """Where a language's catalog lives under `locales/`."""
    return locales_dir / catalog_dir_name(language) / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def compile_catalogs(locales_dir: Path) -> list[Path]:
    """Compile each `messages.po` to `.mo` when the `.mo` is missing or older; return those written."""
    written = []
    for lang in LANGUAGES:
        po = catalog_path(locales_dir, lang)
        mo = po.with_suffix(".mo")
        if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
            # Babel's catalog tools load only when a catalog really needs compiling (`make` does it first).
            from babel.messages.mofile import write_mo  # noqa: PLC0415
            from babel.messages.pofile import read_po  # noqa: PLC0415

            with po.open("rb") as src:
                catalog = read_po(src, locale=catalog_dir_name(lang))
            with mo.open("wb") as dst:
                write_mo(dst, catalog)
            written.append(mo)
    return written


@dataclass(frozen=True)
class Translation:
    """The interface strings of one language: `_("Hello {name}", name=…)` and plural forms."""

    language: Language
    strings: gettext.NullTranslations

    def __call__(self, message: str, /, **values: object) -> str:
        """Translate a message and fill its named placeholders."""
        text = self.strings.gettext(message)
        return _fill(text, message, values) if values else text

    def plural(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        """Translate a message with the plural form the language's rules choose for n."""
        source = singular if n == 1 else plural
        return _fill(self.strings.ngettext(singular, plural, n), source, {"n": n, **values})


def _fill(text: str, source: str, values: dict[str, object]) -> str:
    """Fill a translation's placeholders; a translation that cannot be filled gives the source text."""
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError):
        # The loader refuses such catalogs; this keeps a reply from failing should one slip through.
        log.error("translation %r cannot be filled; showing the source text", text)
        return source.format(**values)


class Catalogs:
    """The compiled gettext catalogs, one per language."""

    def __init__(self, translations: dict[Language, gettext.NullTranslations]) -> None:
        self._translations = {lang: Translation(lang, strings) for lang, strings in translations.items()}

    @classmethod
    def load(cls, locales_dir: Path) -> Catalogs:
        """Load `.mo` catalogs, compiling stale ones first; English falls back to the source strings."""
        compile_catalogs(locales_dir)
        translations: dict[Language, gettext.NullTranslations] = {}
        for lang in LANGUAGES:
            mo = catalog_path(locales_dir, lang, ".mo")
            # Read the file itself: gettext.translation() caches by path, which would hide a reload.
            if mo.exists():
                with mo.open("rb") as fh:
                    translations[lang] = gettext.GNUTranslations(fh)
            else:
                translations[lang] = gettext.NullTranslations()
        return cls(translations)

    def __getitem__(self, language: Language) -> Translation:
        """The interface strings of one language."""
        return self._translations[language]
