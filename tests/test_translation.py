"""A translation that cannot be filled gives the source text instead of failing the reply."""

from __future__ import annotations

import gettext
import io

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from bot.core.text import Translation


def translation(strings: dict[str, str]) -> Translation:
    catalog = Catalog(locale="zh_Hans")
    for msgid, msgstr in strings.items():
        catalog.add(msgid, msgstr)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translation("zh-Hans", gettext.GNUTranslations(buffer))


def test_a_broken_translation_falls_back_to_the_source() -> None:
    _ = translation({"Source: {outlet}": "来源：{outlet}}", "Hello {name}": "{name}，你好"})
    assert _("Source: {outlet}", outlet="Biteye") == "Source: Biteye"
    assert _("Hello {name}", name="Ann") == "Ann，你好"
