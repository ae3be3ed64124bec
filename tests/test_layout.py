"""Layout within Discord's limits: property tests over arbitrary text in both scripts."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import layout
from bot.core.layout import View, clip, pack_messages, paginate, split_text

# Latin words, Han characters, both kinds of sentence punctuation, spaces and line breaks.
ALPHABET = st.sampled_from(list("abcXYZ019 林俊旸郁博文阿里巴巴。！？，.!?,;\n\t ’”"))
TEXT = st.text(ALPHABET, max_size=9000)
SHORT = st.text(ALPHABET, max_size=400)


@settings(max_examples=200, deadline=None)
@given(text=TEXT, limit=st.integers(min_value=1, max_value=1100))
def test_split_text_respects_limit_and_loses_nothing(text: str, limit: int) -> None:
    chunks = split_text(text, limit)
    assert all(0 < len(chunk) <= limit for chunk in chunks)
    assert "".join("".join(c.split()) for c in chunks) == "".join(text.split())


@settings(max_examples=150, deadline=None)
@given(
    title=SHORT,
    footer=SHORT,
    description=TEXT,
    fields=st.lists(st.tuples(SHORT, TEXT), max_size=40),
)
def test_paginate_always_fits_discord(title: str, footer: str, description: str, fields) -> None:
    pages = paginate(title, footer, description, fields)
    assert pages
    for page in pages:
        assert page.problems() == []
    for message in pack_messages(pages):
        assert len(message) <= layout.EMBEDS_PER_MESSAGE
        assert sum(v.size() for v in message) <= layout.EMBED_TOTAL


SENTENCES_ZH = st.lists(
    st.text(st.sampled_from(list("林俊旸郁博文阿里巴巴团队离职")), min_size=1, max_size=60), min_size=1
)
SENTENCES_EN = st.lists(
    st.lists(st.sampled_from(["Lin", "Junyang", "left", "the", "team", "Qwen"]), min_size=1, max_size=12),
    min_size=1,
)


@settings(max_examples=100, deadline=None)
@given(sentences=SENTENCES_ZH, limit=st.integers(min_value=61, max_value=500))
def test_chinese_splits_only_at_sentence_ends(sentences: list[str], limit: int) -> None:
    text = "".join(s + "。" for s in sentences)
    for chunk in split_text(text, limit):
        assert chunk.endswith("。")


@settings(max_examples=100, deadline=None)
@given(sentences=SENTENCES_EN, limit=st.integers(min_value=100, max_value=500))
def test_english_splits_only_at_sentence_ends(sentences: list[list[str]], limit: int) -> None:
    text = " ".join(" ".join(words) + "." for words in sentences)
    for chunk in split_text(text, limit):
        assert chunk.endswith(".")


def test_long_sentence_breaks_at_a_space_never_inside_a_word() -> None:
    text = "word " * 300
    chunks = split_text(text, 100)
    assert all(set(chunk.split()) == {"word"} for chunk in chunks)


def test_protected_name_is_not_split() -> None:
    text = "x" * 95 + "Lin Junyang" + " more"
    chunks = split_text(text, 100, protected=["Lin Junyang"])
    assert any("Lin Junyang" in chunk for chunk in chunks)


def test_clip_keeps_whole_words() -> None:
    assert clip("alpha beta gamma delta", 12) == "alpha beta…"
    assert clip("short", 12) == "short"


def test_pages_are_numbered_only_when_there_are_several() -> None:
    single = paginate("T", "Source", "One sentence.")
    assert single[0].footer == "Source"
    many = paginate("T", "Source", "A sentence here. " * 600)
    assert len(many) > 1
    assert [p.footer for p in many][-1] == f"Source · {len(many)}/{len(many)}"


def test_view_reports_each_broken_limit() -> None:
    view = View("t" * 300, "d" * 5000, tuple(layout.Field("n", "v" * 2000) for _ in range(30)), "f" * 3000)
    problems = " ".join(view.problems())
    for word in ("title", "description", "30 fields", "field 0 value", "footer", "in all"):
        assert word in problems


class _CountedView(View):
    """A page that counts how often it is hashed."""

    hashed = 0

    def __hash__(self) -> int:
        type(self).hashed += 1
        return super().__hash__()


def test_a_reply_is_hashed_by_value_and_only_once() -> None:
    pages = (_CountedView("Title", "text", (layout.Field("Who", "Lin Junyang"),)),)
    reply, same = layout.Reply(pages, "qwen"), layout.Reply(pages, "qwen")
    assert reply == same
    assert hash(reply) == hash(same)
    for _ in range(3):
        hash(reply)
    assert _CountedView.hashed == 2  # once for each reply, never again
    assert hash(reply) != hash(layout.Reply(pages, "other"))


def test_a_pickled_reply_works_its_hash_out_again() -> None:
    reply = layout.Reply((View("Title", "text"),), "qwen", layout.Query("summary", "qwen"))
    hash(reply)
    copy = pickle.loads(pickle.dumps(reply))
    assert "_hash" not in copy.__dict__  # a str hashes differently in another process
    assert copy == reply
    assert hash(copy) == hash(reply)
