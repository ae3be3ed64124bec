"""Loading again after a change: what is unchanged is taken over, and the result equals a load from scratch."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.answers import Briefer
from bot.core.content import Content, Library, load, render_card
from bot.core.content import library as library_module
from bot.core.content.elsewhere import check_elsewhere, load_elsewhere
from bot.core.content.load import same_base
from bot.updates import Reloader

CARD = "qwen-core-team-departs.toml"


def loaded(content: Path, previous: Library | None = None) -> Content:
    result = load(content / "briefs", content / "locales", previous)
    assert isinstance(result, Content), [str(p) for p in result]
    return result


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def answers(content: Content) -> list[object]:
    briefer = Briefer.serving(content)
    return [
        reply
        for language in ("en", "zh-Hans", "zh-Hant")
        for card in content.library.cards
        for reply in (briefer.summary(language, card.id), briefer.people(language, None, card.id))
    ]


def test_one_changed_card_is_parsed_again_and_the_rest_taken_over(content: Path) -> None:
    before = loaded(content).library
    edit(content / "briefs" / CARD, "version = 2", "version = 3")
    after = loaded(content, before)
    old = {card.id: card for card in before.cards}
    changed = [card for card in after.library.cards if card is not old[card.id]]
    assert [card.version for card in changed] == [3]
    assert after.library.glossary is before.glossary
    assert answers(after) == answers(loaded(content))


def test_a_changed_glossary_renders_the_unchanged_cards_with_the_new_names(content: Path) -> None:
    before = loaded(content).library
    edit(content / "locales" / "glossary.toml", 'en = "Lin Junyang"', 'en = "Junyang Lin"')
    after = loaded(content, before)
    assert after.library.glossary is not before.glossary
    title = after.library.briefing("qwen-core-team-departs", "en").title
    assert "Junyang Lin" in title
    assert answers(after) == answers(loaded(content))


def test_changed_replacements_render_the_unchanged_cards_again(content: Path) -> None:
    before = loaded(content).library
    edit(content / "locales" / "zh_Hant" / "replacements.toml", '"“" = "「"', '"“" = "『"')
    after = loaded(content, before)
    assert answers(after) == answers(loaded(content))
    assert answers(after) != answers(Content(before, after.catalogs))


def test_a_glossary_change_that_breaks_an_unchanged_card_is_named(content: Path) -> None:
    before = loaded(content).library
    edit(content / "locales" / "glossary.toml", 'id = "lin-junyang"', 'id = "lin-junyang-gone"')
    problems = load(content / "briefs", content / "locales", before)
    assert not isinstance(problems, Content)
    assert any(p.file.endswith(CARD) and "lin-junyang" in p.message for p in problems)


def test_a_broken_card_is_named_by_file_line_and_field_even_with_a_previous_load(content: Path) -> None:
    before = loaded(content).library
    edit(content / "briefs" / CARD, 'kind = "report"', 'kind = "rumour"')
    problems = load(content / "briefs", content / "locales", before)
    assert not isinstance(problems, Content)
    [problem] = [p for p in problems if p.file.endswith(CARD)]
    assert problem.field == "kind"
    assert problem.line is not None


def test_a_title_made_too_long_is_refused_even_though_other_cards_are_taken_over(content: Path) -> None:
    before = loaded(content).library
    edit(content / "briefs" / CARD, "and three core members", "and three core members" + " again" * 20)
    problems = load(content / "briefs", content / "locales", before)
    assert not isinstance(problems, Content)
    assert any(p.file.endswith(CARD) and p.field == "title.en" for p in problems)


def test_a_load_in_a_child_process_equals_one_here(content: Path) -> None:
    here = loaded(content)
    there, data = load_elsewhere(content / "briefs", content / "locales")
    assert isinstance(there, Content)
    assert data is not None
    assert answers(there) == answers(here)
    edit(content / "briefs" / CARD, 'kind = "report"', 'kind = "rumour"')
    problems, data = load_elsewhere(content / "briefs", content / "locales", here.library)
    assert data is None
    assert problems == load(content / "briefs", content / "locales", here.library)


def test_a_reload_after_a_glossary_change_serves_what_a_fresh_load_would(content: Path) -> None:
    briefer = Briefer.serving(loaded(content))
    before = briefer.library
    reloader = Reloader(briefer, content / "briefs", content / "locales")
    assert same_base(before, content / "locales")
    edit(content / "locales" / "glossary.toml", 'en = "Lin Junyang"', 'en = "Junyang Lin"')
    edit(content / "briefs" / CARD, "version = 2", "version = 3")
    assert not same_base(before, content / "locales")
    assert reloader.changed()
    assert reloader.apply(reloader.load())
    assert "Junyang Lin" in briefer.library.title("qwen-core-team-departs", "en")
    # Built in a child, handed back with the cards it did not change as the very cards served before.
    pairs = zip(briefer.library.cards, before.cards, strict=True)
    assert [card.id for card, old in pairs if card is not old] == ["qwen-core-team-departs"]
    assert answers(Content(briefer.library, briefer.catalogs)) == answers(loaded(content))
    assert same_base(briefer.library, content / "locales")


def test_a_check_in_a_child_process_finds_what_a_load_here_finds(content: Path) -> None:
    assert check_elsewhere(content / "briefs", content / "locales") == []
    edit(content / "briefs" / CARD, 'kind = "report"', 'kind = "rumour"')
    problems = check_elsewhere(content / "briefs", content / "locales")
    assert problems
    assert problems == load(content / "briefs", content / "locales")


def test_briefings_are_rendered_when_asked_for_and_a_bounded_number_kept(
    content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = loaded(content).library
    monkeypatch.setattr(library_module, "RENDERED", 2)
    card = library.cards[0]
    first = library.briefing(card.id, "zh-Hant")
    assert library.briefing(card.id, "zh-Hant") is first
    assert first == render_card(card, "zh-Hant", library.glossary, library.replacements)
    for language in ("en", "zh-Hans"):
        library.briefing(card.id, language)
    again = library.briefing(card.id, "zh-Hant")  # pushed out by the two after it, so made anew
    assert again == first
    assert again is not first
    assert first.title == library.title(card.id, "zh-Hant")
