"""The gettext catalogs: up to date with the code, complete, with working plural forms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from bot.core.language import LANGUAGES, catalog_dir_name
from bot.core.text import Catalogs
from tests.conftest import LOCALES, ROOT


def extracted_ids(tmp_path: Path) -> set[str]:
    """Extract from the code with the keywords the Makefile's `extract` target uses."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    keywords = re.findall(r"-k (\S+)", makefile)
    pot = tmp_path / "messages.pot"
    args = ["pybabel", "-q", "extract", "-F", str(ROOT / "pyproject.toml"), "--no-default-keywords"]
    args += [arg for k in keywords for arg in ("-k", k)]
    CommandLineInterface().run([*args, "-o", str(pot), str(ROOT / "bot")])
    with pot.open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_every_string_the_code_uses(language: str, tmp_path: Path) -> None:
    po = LOCALES / catalog_dir_name(language) / "LC_MESSAGES" / "messages.po"  # type: ignore[arg-type]
    with po.open("rb") as fh:
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    assert extracted_ids(tmp_path) - have == set(), "run `make extract` and translate the new strings"


def test_plural_forms_follow_each_language() -> None:
    catalogs = Catalogs.load(LOCALES)
    assert catalogs["en"].plural("{n} story", "{n} stories", 1) == "1 story"
    assert catalogs["en"].plural("{n} story", "{n} stories", 2) == "2 stories"
    assert catalogs["zh-Hans"].plural("{n} story", "{n} stories", 2) == "2 篇简报"
    assert catalogs["zh-Hant"].plural("{n} story", "{n} stories", 1) == "1 篇簡報"
