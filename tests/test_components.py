"""Persistent components: every custom_id fits Discord's 100 characters and names what it answers."""

from __future__ import annotations

import importlib
import itertools
from pathlib import Path

import discord

from bot.core.answers import Briefer, NotFound
from bot.core.content import key_clashes, short_key
from bot.core.layout import Query, Reply
from bot.digest import compose
from bot.discord.views import (
    COMPONENTS,
    DigestLanguageButton,
    LanguageButton,
    PageButton,
    StorySelect,
    digest_view,
    encode_query,
    reply_view,
    sent_page,
)

# As long as ids may be (an autocomplete value holds 100): together far more than one custom_id holds.
LONG_ID = "a-story-whose-id-goes-on-" + "-".join(["and-on"] * 10)  # 94, and "-12" makes 97
LONG_PERSON = "a-person-with-a-name-" + "-".join(["that-is-long"] * 6)  # 98


def long_content(content: Path) -> Briefer:
    """The shipped content plus a card and a person whose ids are far longer than a custom_id."""
    glossary = content / "locales" / "glossary.toml"
    glossary.write_text(
        glossary.read_text(encoding="utf-8")
        + f'\n[[entry]]\nid = "{LONG_PERSON}"\nkind = "person"\nen = "Ann Lee"\nzh-Hans = "李安"\n'
        'zh-Hant = "李安"\nconfidence = "confirmed"\nsource = "test"\n',
        encoding="utf-8",
    )
    for day in range(1, 13):  # twelve stories: more than one digest message can hold
        (content / "briefs" / f"long-{day}.toml").write_text(
            f'id = "{LONG_ID}-{day}"\nkind = "report"\npublished = "2027-01-{day:02d}"\n'
            '[source]\noutlet = "biteye"\ndate = "2027-01"\n'
            f'[title]\nen = "Day {day} of {{{LONG_PERSON}}}"\nzh-Hans = "{{{LONG_PERSON}}}的第{day}天"\n'
            '[summary]\nen = "A story. It is short."\nzh-Hans = "一篇报道。很短。"\n'
            '[[points]]\nheading = { en = "Point", zh-Hans = "要点" }\ntext = { en = "Text.", zh-Hans = "文字。" }\n'
            f'[[people]]\nref = "{LONG_PERSON}"\nrole = {{ en = "The subject.", zh-Hans = "主角。" }}\n',
            encoding="utf-8",
        )
    # Imported now: unloading the extension (test_commands) drops bot.* from sys.modules, and the
    # Traditional conversion's child process must find the very functions it is handed.
    fresh = importlib.import_module("bot.core.content")
    loaded = fresh.load(content / "briefs", content / "locales")
    assert isinstance(loaded, fresh.Content), loaded
    return Briefer.serving(loaded)


def custom_ids(view: discord.ui.View) -> list[str]:
    """Every custom_id a view would send to Discord."""
    return [c["custom_id"] for row in view.to_components() for c in row["components"]]


def dispatched_by(custom_id: str) -> list[type]:
    """The registered components whose template matches a custom_id, as discord.py would dispatch it."""
    return [item for item in COMPONENTS if item.__discord_ui_compiled_template__.fullmatch(custom_id)]


async def test_long_ids_become_short_keys_and_every_custom_id_fits(content: Path) -> None:
    briefer = long_content(content)
    reply = briefer.timeline("zh-Hant", LONG_PERSON, f"{LONG_ID}-3")
    assert isinstance(reply, Reply)
    assert reply.query == Query("timeline", f"{LONG_ID}-3", LONG_PERSON)
    view = reply_view(briefer, reply, "zh-Hant", owner_id=2**64 - 1)
    ids = custom_ids(view)
    assert len(ids) == 2  # English and Simplified: one page needs no paging
    for custom_id in ids:
        assert len(custom_id) <= 100, custom_id
        assert short_key(LONG_ID + "-3") in custom_id
        assert short_key(LONG_PERSON) in custom_id
        assert dispatched_by(custom_id) == [LanguageButton]


async def test_a_full_digest_message_names_all_its_stories_within_100_characters(content: Path) -> None:
    briefer = long_content(content)
    views, _ = compose(briefer, "en", {})
    first = views[:10]
    view = digest_view(briefer, first, "en")
    assert view is not None
    ids = custom_ids(view)
    assert [dispatched_by(i) for i in ids] == [[StorySelect], [DigestLanguageButton], [DigestLanguageButton]]
    assert all(len(i) <= 100 for i in ids)
    menu = view.to_components()[0]["components"][0]
    assert [o["value"] for o in menu["options"]] == [short_key(v.story or "") for v in first]
    assert all(short_key(v.story or "") in ids[1] for v in first)


async def test_page_buttons_carry_the_page_the_language_and_the_asker(briefer: Briefer) -> None:
    answer = briefer.summary("en")
    assert isinstance(answer, Reply)
    long_reply = Reply(answer.pages * 3, answer.story, answer.query)  # three pages of the same query
    view = reply_view(briefer, long_reply, "en", owner_id=42, page=1)
    previous, following, *languages = view.children
    assert isinstance(previous, PageButton)
    assert isinstance(following, PageButton)
    assert (previous.page, following.page, previous.owner_id) == (0, 2, 42)
    assert previous.item.label == "Previous"
    assert following.item.label == "Next"
    assert [b.item.label for b in languages] == ["简体中文", "繁體中文"]
    assert all(len(i) <= 100 and dispatched_by(i) for i in custom_ids(view))


def test_every_answer_can_be_asked_again_by_its_query(briefer: Briefer) -> None:
    for language in ("en", "zh-Hans", "zh-Hant"):
        for answer in (
            briefer.summary(language),
            briefer.people(language, "lin"),
            briefer.people(language),
            briefer.timeline(language, "林俊旸"),
            briefer.glossary(language, "P10"),
            briefer.stories(language),
            briefer.help(language),
        ):
            assert isinstance(answer, Reply)
            assert answer.query is not None
            assert briefer.answer(language, answer.query) == answer
            assert len(encode_query(answer.query)) <= 17
    assert isinstance(briefer.answer("en", Query("summary", "no-such-story")), NotFound)


def test_key_clashes_are_found() -> None:
    # 35-bit keys: a clash needs about 2**17.5 ids, so one is found by search and must be reported.
    seen: dict[str, str] = {}
    for n in itertools.count():
        identifier = f"id-{n}"
        key = short_key(identifier)
        if key in seen:
            clash = (seen[key], identifier)
            break
        seen[key] = identifier
    assert key_clashes(["other", *clash]) == [clash]
    assert key_clashes(["a", "b", "a"]) == []


def test_topics_are_found_by_any_form_and_completed_in_the_readers_language(briefer: Briefer) -> None:
    assert briefer.find_topics("AI, 加密货币，商業") == (["ai", "crypto", "business"], [])
    assert briefer.find_topics("ai, @everyone, <@&1>") == (["ai"], ["@everyone"])
    assert briefer.topic_names("zh-Hant", ["ai", "crypto"]) == "人工智慧和加密貨幣"
    choices = briefer.topic_choices("zh-Hans", "crypto, ")
    assert [(c.label, c.value) for c in choices] == [
        ("crypto, 人工智能（AI）", "crypto, ai"),
        ("crypto, 商业（Business）", "crypto, business"),
    ]
    assert [c.value for c in briefer.topic_choices("en", "bus")] == ["business"]


async def test_sent_views_are_let_go_and_their_buttons_still_answer(briefer: Briefer) -> None:
    # discord.py stores a sent view until it is finished (a private reply's with a 15-minute timeout task);
    # these buttons are answered through the registered DynamicItems, so nothing needs holding.
    answer = briefer.summary("en")
    assert isinstance(answer, Reply)
    views, _ = compose(briefer, "en", {})
    digest = digest_view(briefer, views, "en")
    assert digest is not None
    for view in (reply_view(briefer, answer, "zh-Hans", owner_id=7), digest):
        assert view.is_finished()
        ids = custom_ids(view)
        assert ids
        assert all(len(dispatched_by(i)) == 1 for i in ids)


async def test_a_page_asked_again_is_sent_as_the_same_objects_and_paging_stays_the_askers(
    briefer: Briefer, content: Path
) -> None:
    answer = briefer.summary("en")
    assert isinstance(answer, Reply)
    first = sent_page(briefer, answer, "en", owner_id=1)
    assert sent_page(briefer, answer, "en", owner_id=2) == first  # one page: nobody's name on it
    assert first[0].to_dict()["title"] == answer.pages[0].title
    assert sent_page(briefer, answer, "zh-Hans", owner_id=1)[1] is not first[1]
    paged = Reply(answer.pages * 2, answer.story, answer.query)
    for owner in (1, 2):  # Previous and Next carry who may turn the pages
        ids = custom_ids(sent_page(briefer, paged, "en", owner)[1])
        assert [i.split(":")[5] for i in ids if i.startswith("brief:p:")] == [str(owner)] * 2
    # Content read again (catalogs included) is never answered with the old content's buttons.
    again = importlib.import_module("bot.core.content").load(content / "briefs", content / "locales")
    assert sent_page(Briefer.serving(again), answer, "en", owner_id=1)[1] is not first[1]
