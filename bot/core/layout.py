"""Discord-neutral views that always fit Discord's message and embed limits."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from bot.core.language import Language

TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
EMBED_TOTAL = 6000  # all embeds of one message together
EMBEDS_PER_MESSAGE = 10
MESSAGE_CONTENT = 2000
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME = 100
PAGE_MARK_ROOM = 24  # kept free in each footer for " · 12/34"
ELLIPSIS = "…"
COLOUR = 0x2B6CB0  # every card, in every front end
ERROR_COLOUR = 0xC53030

# Cut after a sentence end (with any closing quotes), after a clause mark, or at a line break.
_SENTENCE_END = re.compile(r"[。！？][”’」』）)\"']*|[.!?][”’」』）)\"']*(?=\s)|\n+")
_CLAUSE_END = re.compile(r"[，；、：,;:](?=\S|\s)")
_WORD_CHAR = re.compile(r"[A-Za-z0-9_'’\-]")


@dataclass(frozen=True)
class Field:
    """One embed field."""

    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class View:
    """One embed-shaped page: what any front end draws as a card."""

    title: str
    description: str = ""
    fields: tuple[Field, ...] = ()
    footer: str = ""
    # The card a digest view presents and its language, so a front end can offer to open it or translate it.
    story: str | None = None
    language: Language | None = None

    def size(self) -> int:
        """Characters that count towards Discord's 6000-per-message total."""
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer)
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )

    def problems(self) -> list[str]:
        """Each Discord limit this view breaks, named."""
        found = []
        if not 0 < len(self.title) <= TITLE:
            found.append(f"title has {len(self.title)} characters (1–{TITLE})")
        if len(self.description) > DESCRIPTION:
            found.append(f"description has {len(self.description)} characters (max {DESCRIPTION})")
        if len(self.fields) > FIELDS:
            found.append(f"{len(self.fields)} fields (max {FIELDS})")
        for i, f in enumerate(self.fields):
            if not 0 < len(f.name) <= FIELD_NAME:
                found.append(f"field {i} name has {len(f.name)} characters (1–{FIELD_NAME})")
            if not 0 < len(f.value) <= FIELD_VALUE:
                found.append(f"field {i} value has {len(f.value)} characters (1–{FIELD_VALUE})")
        if len(self.footer) > FOOTER:
            found.append(f"footer has {len(self.footer)} characters (max {FOOTER})")
        if self.size() > EMBED_TOTAL:
            found.append(f"embed has {self.size()} characters in all (max {EMBED_TOTAL})")
        return found


QueryKind = Literal["summary", "people", "timeline", "glossary", "stories", "help"]


@dataclass(frozen=True)
class Query:
    """What a reply answers, by card and glossary ids, so a front end can ask it again later or elsewhere."""

    kind: QueryKind
    story: str | None = None  # a card id
    subject: str | None = None  # a glossary id: the person or term asked about


@dataclass(frozen=True)
class Reply:
    """The answer to one query: one or more pages, each sent as one embed."""

    pages: tuple[View, ...]
    story: str | None = None  # the card shown, so a front end can offer it in another language
    query: Query | None = None  # the same answer by ids, whatever words the reader used
    about: str | None = None  # the report an analysis reads, so a front end can offer to open it

    def __hash__(self) -> int:
        """By value, worked out once: a reply is looked up by value at every click on it."""
        return self._hash

    @cached_property
    def _hash(self) -> int:
        # Hashing the pages walks every field of every page (about a thousand hashes for a long reply).
        return hash((self.pages, self.story, self.query, self.about))

    def __getstate__(self) -> dict[str, object]:
        """The fields alone: a str's hash differs from process to process, so the worked-out one stays."""
        return {name: value for name, value in self.__dict__.items() if name != "_hash"}


@dataclass
class _Page:
    title: str
    footer: str
    description: str = ""
    fields: list[Field] = field(default_factory=list)

    def size(self) -> int:
        return (
            len(self.title)
            + len(self.footer)
            + PAGE_MARK_ROOM
            + len(self.description)
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )


def clip(text: str, limit: int) -> str:
    """Shorten a one-line text to a limit, at a word boundary where there is one."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip() + ELLIPSIS


ECHO = 100  # characters of a user's own input repeated back in a reply
_MARKDOWN = re.compile(r"([\\*_~`|>\[\]()#<@!-])")
_LINK = re.compile(r"(?<=[A-Za-z]):(?=//)")


def quote_input(text: str, limit: int = ECHO) -> str:
    """A user's input made safe to repeat: one line, clipped, with markdown, links and mentions inert.

    Every markdown character is escaped, so a masked link `[text](url)` shows as typed, and a zero-width
    space after the colon of `scheme://` keeps Discord from turning a bare URL into a link under the
    bot's name.
    """
    return _LINK.sub(":\u200b", _MARKDOWN.sub(r"\\\1", clip(text, limit)))


def _forbidden(text: str, protected: Iterable[str]) -> set[int]:
    """Cut positions that would fall inside a protected name."""
    inside: set[int] = set()
    for name in protected:
        if not name:
            continue
        start = text.find(name)
        while start != -1:
            inside.update(range(start + 1, start + len(name)))
            start = text.find(name, start + 1)
    return inside


def _best_cut(text: str, limit: int, protected: Sequence[str]) -> int:
    """Where to end the next chunk: a sentence end, else a clause, else a space, else between words."""
    window = text[: limit + 1]
    # Look past the window so a name that straddles its end is still seen.
    banned = _forbidden(text[: limit + 1 + max(map(len, protected), default=0)], protected)
    for pattern in (_SENTENCE_END, _CLAUSE_END):
        ends = [m.end() for m in pattern.finditer(window) if 0 < m.end() <= limit and m.end() not in banned]
        if ends:
            return ends[-1]
    spaces = [i for i, c in enumerate(window) if c.isspace() and 0 < i <= limit and i not in banned]
    if spaces:
        return spaces[-1]
    # No break anywhere: cut between characters, but not inside a Latin word or a name if avoidable.
    for cut in range(limit, 0, -1):
        inside_word = _WORD_CHAR.match(text[cut - 1]) and _WORD_CHAR.match(text[cut])
        if cut not in banned and not inside_word:
            return cut
    # One long word: a name still stays whole where it can.
    return next((cut for cut in range(limit, 0, -1) if cut not in banned), limit)


def split_text(text: str, limit: int, protected: Sequence[str] = ()) -> list[str]:
    """Split text into chunks of at most `limit` characters, preferring sentence ends."""
    text = text.strip()
    chunks = []
    while len(text) > limit:
        cut = _best_cut(text, limit, protected)
        head = text[:cut].rstrip()
        chunks.append(head)
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks


def paginate(
    title: str,
    footer: str = "",
    description: str = "",
    fields: Sequence[tuple[str, str]] = (),
    protected: Sequence[str] = (),
) -> tuple[View, ...]:
    """Lay content out as pages that each fit in one embed, splitting long text at sentence ends."""
    title = clip(title, TITLE) or ELLIPSIS
    footer = clip(footer, FOOTER - PAGE_MARK_ROOM)
    room = EMBED_TOTAL - len(title) - len(footer) - PAGE_MARK_ROOM
    pages = [
        _Page(title, footer, chunk) for chunk in split_text(description, min(DESCRIPTION, room), protected)
    ]
    if not pages:
        pages.append(_Page(title, footer))
    for raw_name, raw_value in fields:
        name = clip(raw_name, FIELD_NAME - 2) or "—"
        parts = split_text(raw_value, FIELD_VALUE, protected) or ["—"]
        for i, part in enumerate(parts):
            entry = Field(name if i == 0 else f"{name} {ELLIPSIS}", part)
            page = pages[-1]
            if len(page.fields) >= FIELDS or page.size() + len(entry.name) + len(entry.value) > EMBED_TOTAL:
                page = _Page(title, footer)
                pages.append(page)
            page.fields.append(entry)
    total = len(pages)
    views = []
    for number, page in enumerate(pages, start=1):
        mark = f"{number}/{total}" if total > 1 else ""
        page_footer = " · ".join(part for part in (page.footer, mark) if part)
        views.append(View(page.title, page.description, tuple(page.fields), page_footer))
    return tuple(views)


def pack_messages(views: Sequence[View], reserve: int = 0) -> list[list[View]]:
    """Group embeds into messages of at most 10 embeds and 6000 characters (less `reserve`), in order."""
    messages: list[list[View]] = []
    size = 0
    for view in views:
        full = size + view.size() > EMBED_TOTAL - reserve
        if not messages or len(messages[-1]) >= EMBEDS_PER_MESSAGE or full:
            messages.append([])
            size = 0
        messages[-1].append(view)
        size += view.size()
    return messages


def first_sentences(text: str, count: int, limit: int) -> str:
    """The opening sentences of a text, at most `count` of them and `limit` characters."""
    text = text.strip()
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    head = text[: ends[count - 1]] if len(ends) >= count else text
    return head.strip() if len(head.strip()) <= limit else split_text(head, limit - 1)[0] + ELLIPSIS
