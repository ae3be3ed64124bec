"""The studio's HTML: every reply of a story in each language, drawn like Discord, with its problems.

Everything from a card is escaped here (`html.escape` via `markdown.to_html`), and the page allows
no inline script, so card text can only ever show as text.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.answers import Briefer, Button, NotFound, reply_buttons
from bot.core.audit import replies_for
from bot.core.content import Card, Origin, Problem, Provenance, card_provenance, mark
from bot.core.language import LANGUAGE_NAMES, LANGUAGES, Language
from bot.core.layout import (
    DESCRIPTION,
    EMBED_TOTAL,
    EMBEDS_PER_MESSAGE,
    FIELD_NAME,
    FIELD_VALUE,
    FIELDS,
    FOOTER,
    TITLE,
    Reply,
    View,
    pack_messages,
)
from bot.digest import compose
from bot.digest.webhook import embed_json
from bot.studio.markdown import to_html
from bot.studio.state import Snapshot

DIGEST = "digest"
_BUTTON_STYLES = {"previous": 2, "next": 2, "language": 1}  # Discord: 1 primary (blurple), 2 secondary


def esc(text: object) -> str:
    """Text for HTML, quotes included so it is safe in attributes too."""
    return html.escape(str(text), quote=True)


# --- which element shows which card field, so a problem can be pinned beside it ----------------------


@dataclass
class Pins:
    """Problems of one card, each placed once: beside an element, on a reply, or on the story."""

    problems: list[Problem]
    placed: set[int] = field(default_factory=set)

    def take(self, tags: Iterable[str], language: Language | None) -> list[Problem]:
        """The problems not yet placed whose field is one of `tags` (or inside one), in this language."""
        found = []
        wanted = tuple(tags)
        for i, problem in enumerate(self.problems):
            if i in self.placed:
                continue
            path, lang = _split_language(problem.field)
            if language is not None and lang not in (None, language):
                continue
            if language is None and lang is not None:
                continue
            if any(path == tag or path.startswith(tag + ".") for tag in wanted):
                self.placed.add(i)
                found.append(problem)
        return found

    def rest(self) -> list[Problem]:
        """The problems no element took."""
        return [p for i, p in enumerate(self.problems) if i not in self.placed]


def _split_language(path: str) -> tuple[str, Language | None]:
    head, _, last = path.rpartition(".")
    for lang in LANGUAGES:
        if last == lang:
            return head, lang
    return path, None


def _field_tags(
    query: str, card: Card, view: View, briefer: Briefer, language: Language
) -> dict[str, list[str]]:
    """For one page of one reply: element key -> the card fields it shows, most specific first."""
    b = briefer.library.briefing(card.id, language)
    tags: dict[str, list[str]] = {}
    words = query.split()
    if query == "/summary":
        tags["title"] = ["title"]
        tags["description"] = ["summary"]
        tags["footer"] = ["source", "kind", "published"]
        headings = [heading for heading, _ in b.points]
        notes = 0
        fact_check = briefer.translation(language)("Fact check")
        for i, f in enumerate(view.fields):
            if f.name in headings:
                point = headings.index(f.name)
                tags[f"field:{i}"] = [f"points.{point}"]
            elif f.name == fact_check:
                tags[f"field:{i}"] = [f"notes.{notes}"]
                notes += 1
    elif query == "/people":
        labels = [entry.label(language) for entry, _ in b.people]
        for i, f in enumerate(view.fields):
            if f.name in labels:
                tags[f"field:{i}"] = [f"people.{labels.index(f.name)}"]
    elif query == "/glossary":
        labels = [entry.label(language) for entry, _ in b.terms]
        for i, f in enumerate(view.fields):
            if f.name in labels:
                tags[f"field:{i}"] = [f"terms.{labels.index(f.name)}"]
    elif query == "/timeline" or words[0] == "/timeline":
        tags["description"] = ["timeline"]
    elif words[0] == "/people" and len(words) == 2:
        index = [p.ref for p in card.people].index(words[1])
        tags["description"] = [f"people.{index}"]
    elif words[0] == "/glossary" and len(words) == 2:
        index = [t.ref for t in card.terms].index(words[1])
        tags["description"] = [f"terms.{index}"]
    return tags


# --- one embed --------------------------------------------------------------------------------------


def _count(length: int, limit: int, what: str) -> str:
    over = length > limit
    label = f"{what} {length}/{limit}" + (f" · {length - limit} over" if over else "")
    title = f"{what}: Discord allows {limit}"
    return f'<span class="len{" over" if over else ""}" title="{esc(title)}">{esc(label)}</span>'


def _text(text: str, provenance: Provenance | None) -> str:
    if provenance is None:
        return to_html(text)
    origins: list[Origin] = [o for span in mark(text, provenance) for o in [span.origin] * len(span.text)]
    return to_html(text, origins)


def _pins_html(problems: Sequence[Problem]) -> str:
    if not problems:
        return ""
    items = "".join(f'<li class="pin">{esc(p)}</li>' for p in problems)
    return f'<ul class="pins">{items}</ul>'


def embed_html(
    view: View,
    provenance: Provenance | None = None,
    tags: dict[str, list[str]] | None = None,
    pins: Pins | None = None,
    language: Language | None = None,
) -> str:
    """One view drawn as a Discord embed: colour bar, title, description, fields, footer, lengths."""
    tags = tags or {}

    def pinned(key: str) -> tuple[str, str]:
        if pins is None or key not in tags:
            return "", ""
        found = pins.take(tags[key], language)
        return (" has-problem" if found else ""), _pins_html(found)

    def attrs(key: str, over: bool, extra: str) -> str:
        data = f' data-field="{esc(" ".join(tags[key]))}"' if key in tags else ""
        return f'class="el {key.split(":", maxsplit=1)[0]}{" over" if over else ""}{extra}"{data}'

    parts = []
    flag, note = pinned("title")
    parts.append(
        f'<div {attrs("title", len(view.title) > TITLE, flag)}><div class="embed-title">'
        f"{_text(view.title, provenance)}</div>{_count(len(view.title), TITLE, 'title')}{note}</div>"
    )
    if view.description:
        flag, note = pinned("description")
        parts.append(
            f"<div {attrs('description', len(view.description) > DESCRIPTION, flag)}>"
            f'<div class="embed-description">{_text(view.description, provenance)}</div>'
            f"{_count(len(view.description), DESCRIPTION, 'description')}{note}</div>"
        )
    if view.fields:
        fields = []
        for i, f in enumerate(view.fields):
            over = len(f.name) > FIELD_NAME or len(f.value) > FIELD_VALUE
            flag, note = pinned(f"field:{i}")
            fields.append(
                f"<div {attrs(f'field:{i}', over, flag + (' inline' if f.inline else ''))}>"
                f'<div class="field-name">{_text(f.name, provenance)}</div>'
                f'<div class="field-value">{_text(f.value, provenance)}</div>'
                f"{_count(len(f.name), FIELD_NAME, 'name')} {_count(len(f.value), FIELD_VALUE, 'value')}"
                f"{note}</div>"
            )
        count = _count(len(view.fields), FIELDS, "fields") if len(view.fields) > FIELDS else ""
        parts.append(f'<div class="embed-fields">{"".join(fields)}</div>{count}')
    if view.footer:
        flag, note = pinned("footer")
        parts.append(
            f'<div {attrs("footer", len(view.footer) > FOOTER, flag)}><div class="embed-footer">'
            f"{_text(view.footer, provenance)}</div>{_count(len(view.footer), FOOTER, 'footer')}{note}</div>"
        )
    broken = " over" if view.size() > EMBED_TOTAL or view.problems() else ""
    return f'<article class="embed{broken}">{"".join(parts)}</article>'


# --- messages: pages, buttons, JSON -----------------------------------------------------------------


def components_json(buttons: Sequence[Button]) -> list[dict[str, Any]]:
    """Buttons as the action row Discord's API takes."""
    if not buttons:
        return []
    row = []
    for button in buttons:
        custom_id = f"briefing:{button.action}" + (f":{button.language}" if button.language else "")
        item: dict[str, Any] = {
            "type": 2,
            "style": _BUTTON_STYLES[button.action],
            "label": button.label,
            "custom_id": custom_id,
        }
        if button.disabled:
            item["disabled"] = True
        row.append(item)
    return [{"type": 1, "components": row}]


def message_json(views: Sequence[View], buttons: Sequence[Button] = ()) -> dict[str, Any]:
    """A message as Discord's API takes it: its embeds, its components, no pings."""
    payload: dict[str, Any] = {"embeds": [embed_json(v) for v in views]}
    if buttons:
        payload["components"] = components_json(buttons)
    payload["allowed_mentions"] = {"parse": []}
    return payload


def _buttons_html(buttons: Sequence[Button]) -> str:
    items = []
    for button in buttons:
        target = f' data-language="{esc(button.language)}"' if button.language else ""
        disabled = " disabled" if button.disabled else ""
        label = esc(button.label)
        items.append(f'<button type="button" class="dbtn {button.action}"{target}{disabled}>{label}</button>')
    return f'<div class="buttons">{"".join(items)}</div>' if items else ""


def _copy_html(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    return f'<button type="button" class="copy" data-json="{esc(text)}">Copy as Discord API JSON</button>'


def reply_html(
    query: str,
    card: Card,
    reply: Reply,
    briefer: Briefer,
    language: Language,
    pins: Pins,
    prov: Provenance | None,
) -> str:
    """Every page of a reply, each with the buttons its message carries on that page."""
    _ = briefer.translation(language)
    pages = []
    total = len(reply.pages)
    for number, view in enumerate(reply.pages):
        buttons = reply_buttons(reply, language, _, page=number)
        tags = _field_tags(query, card, view, briefer, language)
        hidden = "" if number == 0 else " hidden"
        size = _count(view.size(), EMBED_TOTAL, "message")
        mark_ = ""
        if total > 1:
            mark_ = (
                f'<span class="page-mark">page {number + 1} of {total}</span>'
                f'<button type="button" class="all-pages">all {total} pages</button>'
            )
        pages.append(
            f'<div class="page" data-page="{number}"{hidden}>'
            f'<div class="bot"><span class="bot-name">Briefing</span><span class="bot-tag">APP</span></div>'
            f"{embed_html(view, prov, tags, pins, language)}{_buttons_html(buttons)}"
            f'<div class="meta">{size} {mark_} {_copy_html(message_json([view], buttons))}</div></div>'
        )
    return f'<div class="message" data-pages="{total}" data-page="0">{"".join(pages)}</div>'


def digest_html(views: Sequence[View], prov: Provenance | None) -> str:
    """The digest's messages: up to ten embeds each, no buttons."""
    out = []
    for views_of_message in pack_messages(views):
        embeds = "".join(embed_html(v, prov) for v in views_of_message)
        size = sum(v.size() for v in views_of_message)
        count = _count(len(views_of_message), EMBEDS_PER_MESSAGE, "embeds")
        out.append(
            f'<div class="message" data-pages="1" data-page="0"><div class="page" data-page="0">'
            f'<div class="bot"><span class="bot-name">Briefing</span><span class="bot-tag">APP</span></div>'
            f'{embeds}<div class="meta">{_count(size, EMBED_TOTAL, "message")} {count} '
            f"{_copy_html(message_json(views_of_message))}</div></div></div>"
        )
    return "".join(out)


# --- a story ----------------------------------------------------------------------------------------


def _replies(briefer: Briefer, card: Card) -> dict[str, dict[Language, Reply | NotFound]]:
    """Every reply of a card, grouped by query, in the order `python -m bot check` renders them."""
    grouped: dict[str, dict[Language, Reply | NotFound]] = {}
    for name, answer in replies_for(briefer, card):
        lang, query = name.split(" ", 1)
        grouped.setdefault(query, {})[lang] = answer  # type: ignore[index]
    return grouped


def _anchor(query: str) -> str:
    return "q-" + "".join(c if c.isalnum() else "-" for c in query).strip("-")


def story_html(snapshot: Snapshot, card: Card) -> str:
    """The inside of a story's page: its header, then each reply in the three languages side by side."""
    briefer = snapshot.briefer
    if briefer is None:  # a card to draw only ever comes from a good load
        raise ValueError(f"no content is loaded to draw {card.id!r}")
    library = briefer.library
    file = library.files.get(card.id, card.id)
    pins = Pins([p for p in snapshot.problems if p.file == file])
    provenance = {
        lang: card_provenance(card, lang, library.glossary, library.replacements) for lang in LANGUAGES
    }
    title = library.briefing(card.id, "en").title
    replies = _replies(briefer, card)
    sections = []
    for query, answers in replies.items():
        columns = []
        for lang in LANGUAGES:
            answer = answers[lang]
            prov = provenance[lang] if lang == "zh-Hant" else None
            if isinstance(answer, NotFound):
                body = f'<div class="message">{embed_html(answer.view)}</div>'
            else:
                body = reply_html(query, card, answer, briefer, lang, pins, prov)
            heading = f"<h4>{esc(LANGUAGE_NAMES[lang])}</h4>"
            columns.append(f'<div class="column" data-lang="{esc(lang)}">{heading}{body}</div>')
        row = _pins_html(pins.take(_query_fields(query, card), None))
        sections.append(
            f'<section class="reply" id="{_anchor(query)}" data-query="{esc(query)}">'
            f'<h3><code>{esc(query)}</code></h3>{row}<div class="columns">{"".join(columns)}</div></section>'
        )
    digest_columns = []
    seen = {c.id: c.version for c in library.cards if c.id != card.id}
    for lang in LANGUAGES:
        views, _ = compose(briefer, lang, seen)
        prov = provenance[lang] if lang == "zh-Hant" else None
        digest_columns.append(
            f'<div class="column" data-lang="{esc(lang)}"><h4>{esc(LANGUAGE_NAMES[lang])}</h4>'
            f"{digest_html(views, prov)}</div>"
        )
    sections.append(
        f'<section class="reply" id="q-digest" data-query="{DIGEST}"><h3>Daily digest</h3>'
        f'<div class="columns">{"".join(digest_columns)}</div></section>'
    )
    links = "".join(f'<a href="#{_anchor(q)}">{esc(q)}</a>' for q in [*replies, "digest"])
    stale = ""
    if snapshot.failed:
        when = time.strftime("%H:%M:%S", time.localtime(snapshot.good_at))
        stale = f'<p class="stale">The files have problems: showing the last good rendering, from {when}.</p>'
    header_pins = _pins_html(pins.rest())
    return (
        f'<header class="story-head" data-story="{esc(card.id)}"><h2>{esc(title)}</h2>'
        f'<p class="file"><code>{esc(file)}</code> · version {card.version} · published '
        f'{esc(card.published)}</p>{stale}{header_pins}<nav class="queries">{links}</nav></header>'
        + "".join(sections)
    )


def _query_fields(query: str, card: Card) -> list[str]:
    """Card fields a reply shows as a whole, for problems no single element took."""
    words = query.split()
    if words[0] == "/summary":
        return ["title", "summary", "points", "notes", "source", "kind", "published"]
    if words[0] == "/people":
        return ["people"]
    if words[0] == "/timeline":
        return ["timeline"]
    if words[0] == "/glossary":
        return ["terms"]
    return []


# --- the page around it -----------------------------------------------------------------------------


def problems_html(snapshot: Snapshot) -> str:
    """The problems of the files as they are now, for the top of every page."""
    if not snapshot.problems:
        return '<p class="ok">No problems: <code>python -m bot check</code> would pass.</p>'
    items = "".join(f'<li class="problem">{esc(p)}</li>' for p in snapshot.problems)
    return f'<h2>{len(snapshot.problems)} problem(s)</h2><ul class="problem-list">{items}</ul>'


def stories_html(snapshot: Snapshot, current: str | None) -> str:
    """The list of stories, newest first, for the side of every page."""
    if snapshot.briefer is None:
        return "<p>No story has loaded yet.</p>"
    library = snapshot.briefer.library
    items = []
    for card in library.newest_first():
        here = ' aria-current="page" class="current"' if card.id == current else ""
        title = library.briefing(card.id, "en").title
        items.append(
            f'<li><a href="/story/{esc(card.id)}"{here} data-story="{esc(card.id)}">{esc(title)}'
            f"<small>{esc(card.id)}</small></a></li>"
        )
    return f'<ul class="story-list">{"".join(items)}</ul>'


LEGEND = (
    '<div class="legend"><h3>繁體中文 column</h3>'
    '<p><span class="o-opencc">OpenCC</span> made from the Simplified text (with the Taiwan table)</p>'
    '<p><span class="o-editor">editor</span> an editor\'s <code>zh-Hant</code> override</p>'
    '<p><span class="o-glossary">glossary</span> a name from the glossary</p>'
    '<p><span class="o-interface">interface</span> catalogs, dates, layout</p></div>'
)


def page_html(snapshot: Snapshot, card: Card | None) -> str:
    """A whole page: stories at the side, problems at the top, the story's replies."""
    story = (
        story_html(snapshot, card) if card is not None else "<p>Nothing to show yet: see the problems.</p>"
    )
    current = card.id if card is not None else ""
    title = f"Studio · {card.id}" if card is not None else "Studio"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">'
        f"<title>{esc(title)}</title>"
        '<link rel="stylesheet" href="/assets/studio.css"><script src="/assets/studio.js" defer></script>'
        f'</head><body data-story="{esc(current)}" data-version="{snapshot.version}">'
        f'<aside class="side"><h1>Briefing studio</h1><p class="live" id="live">live</p>'
        f'<nav id="stories">{stories_html(snapshot, card.id if card else None)}</nav>{LEGEND}</aside>'
        f'<main><section id="problems">{problems_html(snapshot)}</section>'
        f'<section id="story">{story}</section></main></body></html>'
    )
