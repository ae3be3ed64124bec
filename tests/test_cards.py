"""The real cards: one script per language, glossary forms everywhere, every reply within Discord's limits."""

from __future__ import annotations

from bot.core.answers import Briefer, NotFound
from bot.core.audit import replies_for
from bot.core.content import HAN, Library
from bot.core.language import LANGUAGES
from bot.core.layout import Reply
from bot.core.text import to_traditional
from bot.digest import compose


def pages(answer: object) -> Reply:
    assert isinstance(answer, Reply), answer
    return answer


def prose(library: Library, language: str) -> list[str]:
    texts = []
    for card in library.cards:
        b = library.briefing(card.id, language)  # type: ignore[arg-type]
        texts += [b.title, b.summary, *b.notes]
        texts += [t for point in b.points for t in point]
        texts += [role for _, role in b.people] + [meaning for _, meaning in b.terms]
        texts += [event.text for event in b.timeline]
    return texts


def test_traditional_prose_has_no_simplified_characters(library: Library) -> None:
    # Names are the glossary's checked forms (OpenCC would turn the surname 郁 into 鬱), so set them aside.
    names = sorted((e.display("zh-Hant") for e in library.glossary.entries.values()), key=len, reverse=True)
    for text in prose(library, "zh-Hant"):
        rest = text
        for name in names:
            rest = rest.replace(name, "")
        assert to_traditional(rest, library.replacements) == rest, text


def test_names_are_never_converted_by_opencc(library: Library) -> None:
    assert "郁博文" in library.briefing("qwen-core-team-departs", "zh-Hant").summary


def test_english_prose_has_no_chinese(library: Library) -> None:
    for text in prose(library, "en"):
        assert not HAN.search(text), text


def test_names_render_in_the_readers_script(library: Library) -> None:
    card = library.briefing("qwen-core-team-departs", "zh-Hant")
    assert "林俊暘" in card.summary
    assert "通義千問" in card.summary
    assert "Kaixin Li" in card.summary  # unverified Chinese form: English in every language
    assert "林俊旸" in library.briefing("qwen-core-team-departs", "zh-Hans").summary


def test_analysis_is_labelled_as_opinion(briefer: Briefer) -> None:
    assert "Analysis (opinion)" in pages(briefer.summary("en", "qwen-exodus-crypto-reading")).pages[0].footer
    assert "分析（观点）" in pages(briefer.summary("zh-Hans", "qwen-exodus-crypto-reading")).pages[0].footer


def test_reported_events_are_labelled_with_each_languages_punctuation(briefer: Briefer) -> None:
    timeline = pages(briefer.timeline("zh-Hans", story="qwen-core-team-departs")).pages[0].description
    assert "**2025年**（据报道）：林俊旸晋升P10" in timeline
    assert "**2019年7月**：林俊旸加入" in timeline
    assert ": " not in timeline
    assert " (" not in timeline
    english = pages(briefer.timeline("en", story="qwen-core-team-departs")).pages[0].description
    assert "**2025** (reported): Lin Junyang is promoted" in english
    assert "**July 2019**: Lin Junyang joins" in english


def test_names_in_chinese_replies_take_full_width_brackets(briefer: Briefer) -> None:
    people = pages(briefer.people("zh-Hant", story="qwen-core-team-departs")).pages[0]
    assert "林俊暘（Lin Junyang）" in [field.name for field in people.fields]
    names = pages(briefer.people("zh-Hans", "lin")).pages[0].fields[0].value
    assert names.splitlines()[:3] == ["English：Lin Junyang", "简体中文：林俊旸", "繁體中文：林俊暘"]
    english = pages(briefer.people("en", story="qwen-core-team-departs")).pages[0]
    assert "Lin Junyang (林俊旸)" in [field.name for field in english.fields]


def test_every_reply_fits_discord_in_every_language(library: Library, briefer: Briefer) -> None:
    seen = 0
    for card in library.cards:
        for query, reply in replies_for(briefer, card):
            assert not isinstance(reply, NotFound), query
            for view in reply.pages:
                assert view.problems() == [], query
                seen += 1
    assert seen > 3 * 2 * 10


def test_summary_has_three_to_five_sentences(library: Library) -> None:
    for card in library.cards:
        for language in LANGUAGES:
            summary = library.briefing(card.id, language).summary
            ends = sum(summary.count(mark) for mark in (". ", "。")) + (summary.rstrip()[-1] in ".。")
            assert 3 <= ends <= 5, (card.id, language, ends)


def test_digest_lists_what_is_new_and_then_nothing(library: Library, briefer: Briefer) -> None:
    views, included = compose(briefer, "zh-Hant", {})
    assert set(included) == {card.id for card in library.cards}
    assert all("/summary story:" in view.description for view in views)
    assert any("林俊暘" in view.description for view in views)
    assert compose(briefer, "zh-Hant", included) == ([], {})
    older = {card_id: version - 1 for card_id, version in included.items()}
    assert set(compose(briefer, "en", older)[1]) == set(included)


def test_the_renamed_ticker_finds_the_token(briefer: Briefer) -> None:
    assert pages(briefer.glossary("en", "RENDER")).pages[0].title == "RNDR"
    assert [c.value for c in briefer.entry_choices("en", "RENDER", "terms")] == ["rndr"]


def test_a_bare_summary_shows_the_report(briefer: Briefer) -> None:
    assert pages(briefer.summary("en")).story == "qwen-core-team-departs"
    assert pages(briefer.summary("en", "qwen-exodus")).about == "qwen-core-team-departs"
