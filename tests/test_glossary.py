"""Finding a person or term by any form, on the real glossary."""

from __future__ import annotations

import random
import sys
import unicodedata

import pytest

from bot.core.content import Glossary, fold, load_glossary, romanise
from bot.core.content.glossary import Entry
from tests.conftest import LOCALES


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    loaded, problems = load_glossary(LOCALES)
    assert problems == []
    assert loaded is not None
    return loaded


@pytest.mark.parametrize(
    "query",
    [
        "Lin Junyang",
        "lin junyang",
        "LINJUNYANG",
        "林俊旸",
        "林俊暘",
        "林俊阳",  # a known misspelling, kept as an alias
        "Lín Jùnyáng",
        "lin jun yang",
        "@JustinLin610",
        "justinlin610",
        "Justin Lin",
        "lin",
        "林",
    ],
)
def test_lin_junyang_by_any_form(glossary: Glossary, query: str) -> None:
    match = glossary.find(query)
    assert match.entry is not None, match
    assert match.entry.id == "lin-junyang"


@pytest.mark.parametrize(
    ("query", "entry_id"),
    [
        ("@huybery", "hui-binyuan"),
        ("慧彬原", "hui-binyuan"),
        ("Eddie Wu", "wu-yongming"),
        ("吴妈", "wu-yongming"),
        ("Ruoming Pang", "pang-ruoming"),
        ("庞若鸣", "pang-ruoming"),
        ("@kxli_2000", "kaixin-li"),
        ("李凯鑫", "kaixin-li"),
        ("Musk", "elon-musk"),
    ],
)
def test_aliases_and_handles(glossary: Glossary, query: str, entry_id: str) -> None:
    match = glossary.find(query)
    assert match.entry is not None
    assert match.entry.id == entry_id


def test_an_ambiguous_prefix_offers_the_candidates(glossary: Glossary) -> None:
    match = glossary.find("zhou")
    assert match.entry is None
    assert {"zhou-chang", "zhou-hao"} <= {e.id for e in match.suggestions}


def test_no_match_gives_at_most_three_suggestions(glossary: Glossary) -> None:
    match = glossary.find("Lin Junyamg")
    assert match.entry is None
    assert 0 < len(match.suggestions) <= 3
    assert match.suggestions[0].id == "lin-junyang"
    assert glossary.find("qqqqxxxx").suggestions == ()


def test_unresolved_names_show_in_english_in_every_script(glossary: Glossary) -> None:
    kaixin = glossary["kaixin-li"]
    assert kaixin.confidence == "unresolved"
    assert {kaixin.display(lang) for lang in ("en", "zh-Hans", "zh-Hant")} == {kaixin.en}


def test_checked_forms_per_script(glossary: Glossary) -> None:
    lin = glossary["lin-junyang"]
    assert (lin.display("en"), lin.display("zh-Hans"), lin.display("zh-Hant")) == (
        "Lin Junyang",
        "林俊旸",
        "林俊暘",
    )


def test_autocomplete_matches_pinyin_and_chinese(glossary: Glossary) -> None:
    assert glossary.matches("junyang")[0].id == "lin-junyang"
    assert glossary.matches("俊")[0].id == "lin-junyang"
    assert len(glossary.matches("")) <= 25


def test_fold_and_romanise() -> None:
    assert fold("Lín Jùnyáng") == "linjunyang"
    assert romanise("林俊阳") == "linjunyang"
    assert romanise("Lin") == ""


def test_fold_keeps_exactly_the_letters_and_digits_left_after_removing_marks() -> None:
    def by_hand(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        return "".join(c for c in decomposed if not unicodedata.combining(c) and c.isalnum())

    every = "".join(map(chr, range(sys.maxunicode + 1)))
    chunks = [every[i : i + 4096] for i in range(0, len(every), 4096)]
    assert [fold(chunk) for chunk in chunks] == [by_hand(chunk) for chunk in chunks]
    assert fold("Lín Jùnyáng, @JustinLin610_") == "linjunyangjustinlin610"


def test_a_name_of_han_characters_reads_as_pypinyin_reads_it_whole() -> None:
    assert romanise("林") == "lin"  # pypinyin is imported the bot's way, without phrases
    from pypinyin import lazy_pinyin  # noqa: PLC0415 - only after that

    names = ["林俊旸", "林俊暘", "阿里巴巴", "重庆", "长沙银行", "乐乐", "曾行", "㐀㐁", "豈更"]
    for name in names:
        assert romanise(name) == "".join(fold(part) for part in lazy_pinyin(name)), name
    assert romanise("Qwen 团队") == "qwentuandui"


def _crowd() -> list[Entry]:
    """Six hundred made-up people, most sharing a first letter or a surname, so prefixes run to hundreds."""
    rng = random.Random(7)
    surnames = [("Lin", "林"), ("Li", "李"), ("Liu", "刘"), ("Wang", "王")]
    given = [("Jun", "俊"), ("Yang", "阳"), ("Li", "丽"), ("Wei", "伟"), ("Ming", "明"), ("Lan", "兰")]
    people = []
    for i in range(600):
        sur, sur_han = rng.choice(surnames)
        parts = rng.sample(given, rng.choice((1, 2)))
        people.append(
            Entry(
                id=f"person-{i}",
                kind="person",
                en=f"{sur} {''.join(p for p, _ in parts)}",
                zh_hans=sur_han + "".join(h for _, h in parts),
                confidence="likely" if i % 3 else "unresolved",
                source="made up",
                aliases=(f"@l{i}",) if i % 5 == 0 else (),
            )
        )
    people.append(Entry(id="l", kind="term", en="L", confidence="confirmed", source="made up"))
    # Exactly "li" by an alias, and last in English order: only its exact match puts it first.
    people.append(
        Entry(id="zhu-li", kind="person", en="Zhu Li", aliases=("Li",), confidence="confirmed", source="x")
    )
    return people


@pytest.mark.parametrize("among", ["everyone", "most", "few"])
def test_short_prefixes_rank_from_kept_entries_exactly_as_a_full_scan(among: str) -> None:
    glossary = Glossary(_crowd())
    scanning = Glossary(_crowd())
    for index in (scanning._keys, scanning._sounds):
        index.best = {}  # no kept entries: every look-up scans its rows
    assert {"l", "li", "lin"} <= set(glossary._keys.best), "the crowd is large enough for kept entries"
    ids = [f"person-{i}" for i in range(600)] + ["l", "zhu-li"]
    allowed = {"everyone": None, "most": set(ids[::2]) | {"l", "zhu-li"}, "few": set(ids[::40])}[among]
    queries = ["l", "li", "lin", "liu", "lj", "w", "wa", "j", "y", "@", "@l", "林", "李", "王伟", "ya", "m"]
    for query in queries:
        for limit in (1, 25, 80):
            fast = [e.id for e in glossary.matches(query, among=allowed, limit=limit)]
            assert fast == [e.id for e in scanning.matches(query, among=allowed, limit=limit)], (query, limit)
