"""Text in the reader's language: interface catalogs, dates at their precision, script conversion."""

from bot.core.text.catalogs import DOMAIN, N_, Catalogs, Translation, catalog_path, compile_catalogs
from bot.core.text.dates import PartialDate, Precision, format_day, format_partial_date
from bot.core.text.script import (
    NO_REPLACEMENTS,
    REPLACEMENTS_FILE,
    Replacements,
    prepare_traditional,
    to_traditional,
)

__all__ = [
    "DOMAIN",
    "NO_REPLACEMENTS",
    "N_",
    "REPLACEMENTS_FILE",
    "Catalogs",
    "PartialDate",
    "Precision",
    "Replacements",
    "Translation",
    "catalog_path",
    "compile_catalogs",
    "format_day",
    "format_partial_date",
    "prepare_traditional",
    "to_traditional",
]
