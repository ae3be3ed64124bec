"""Provenance of shown text: editor, OpenCC, glossary or interface; and the buttons a reply carries."""

from __future__ import annotations

from bot.core.answers import Briefer, reply_buttons
from bot.core.content import Library, Text, card_provenance, mark, render_spans, render_text
from bot.core.language import LANGUAGES
from bot.core.layout import Reply, View


def test_spans_join_to_exactly_the_rendered_text(library: Library) -> None:
    for card in library.cards:
        for _, text in card.texts():
            for lang in LANGUAGES:
                spans = render_spans(text, lang, library.glossary, library.replacements)
                rendered = render_text(text, lang, library.glossary, library.replacements)
                assert "".join(s.text for s in spans) == rendered


def test_traditional_is_opencc_unless_the_editor_overrides_it(library: Library) -> None:
    converted = Text.model_validate({"en": "{lin-junyang} left.", "zh-Hans": "{lin-junyang}离开了。"})
    overridden = converted.model_copy(update={"zh_hant": "{lin-junyang}走了。"})
    glossary = library.glossary
    assert [(s.text, s.origin) for s in render_spans(converted, "zh-Hant", glossary)] == [
        ("林俊暘", "glossary"),
        ("離開了。", "opencc"),
    ]
    assert [(s.text, s.origin) for s in render_spans(overridden, "zh-Hant", glossary)] == [
        ("林俊暘", "glossary"),
        ("走了。", "editor"),
    ]
    assert [s.origin for s in render_spans(converted, "zh-Hans", glossary)] == ["glossary", "editor"]


def test_every_character_of_card_prose_on_every_page_is_traced(briefer: Briefer, library: Library) -> None:
    card = library.cards[0]
    provenance = card_provenance(card, "zh-Hant", library.glossary, library.replacements)
    reply = briefer.summary("zh-Hant", card.id)
    assert isinstance(reply, Reply)
    values = [reply.pages[0].description] + [f.value for page in reply.pages for f in page.fields]
    for value in values:
        untraced = "".join(s.text for s in mark(value, provenance) if s.origin == "interface")
        assert untraced.strip() == "", (value, untraced)
    origins = {s.origin for value in values for s in mark(value, provenance)}
    assert {"opencc", "glossary"} <= origins


def test_interface_text_around_card_text_is_left_as_interface(briefer: Briefer, library: Library) -> None:
    card = library.cards[0]
    reply = briefer.summary("zh-Hant", card.id)
    assert isinstance(reply, Reply)
    footer = mark(
        reply.pages[0].footer, card_provenance(card, "zh-Hant", library.glossary, library.replacements)
    )
    assert footer[0].origin == "interface"
    assert footer[0].text.startswith("來源")
    assert footer[1].origin == "glossary"


def test_buttons_follow_the_pages_and_the_other_languages(briefer: Briefer) -> None:
    _ = briefer.translation("zh-Hans")
    one = Reply((View("t"),))
    assert [(b.label, b.action, b.language) for b in reply_buttons(one, "zh-Hans", _)] == [
        ("English", "language", "en"),
        ("繁體中文", "language", "zh-Hant"),
    ]
    three = Reply((View("a"), View("b"), View("c")))
    first = reply_buttons(three, "en", briefer.translation("en"), page=0)
    assert [(b.label, b.disabled) for b in first[:2]] == [("Previous", True), ("Next", False)]
    last = reply_buttons(three, "en", briefer.translation("en"), page=2)
    assert [(b.label, b.disabled) for b in last[:2]] == [("Previous", False), ("Next", True)]
    assert [b.language for b in last[2:]] == ["zh-Hans", "zh-Hant"]
