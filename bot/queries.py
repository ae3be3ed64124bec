"""Answers to the bot's questions (summary, people, timeline, glossary, stories) as laid-out replies."""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from babel.lists import format_list

from bot.cards import Briefing, Card, Library
from bot.glossary import Entry, fold
from bot.i18n import FORMAT_LOCALES, LANGUAGE_NAMES, N_, Catalogs, format_partial_date
from bot.layout import Reply, View, first_sentences, paginate
from bot.settings import Language

# Marked for extraction here and translated where they are shown.
_KIND_LABELS = {"report": N_("Report"), "analysis": N_("Analysis (opinion)")}
COMMANDS = (
    ("/summary [story]", N_("a story's summary and key points")),
    ("/people [name]", N_("the people in the story, or one person")),
    ("/timeline [person]", N_("the timeline, or one person's events")),
    ("/glossary [term]", N_("the story's terms, or one term")),
    ("/briefs", N_("the list of stories")),
    ("/language <en|zh-Hans|zh-Hant>", N_("switch the language")),
    ("/help", N_("this list")),
)


REMEMBERED_REPLIES = 2048


def _remembered(method: Callable[..., Reply]) -> Callable[..., Reply]:
    """Answer a repeated query from memory: a reply depends only on the query and the library."""

    @functools.wraps(method)
    def answer(self: Briefer, *args: object, **kwargs: object) -> Reply:
        key = (method.__name__, args, tuple(sorted(kwargs.items())))
        replies = self._replies
        if key in replies:
            replies.move_to_end(key)
            return replies[key]
        reply = replies[key] = method(self, *args, **kwargs)
        if len(replies) > REMEMBERED_REPLIES:  # bounded: a flood of made-up names cannot grow it
            replies.popitem(last=False)
        return reply

    return answer


@dataclass(frozen=True)
class Choice:
    """An autocomplete suggestion: what the reader sees and the value sent back."""

    label: str
    value: str


class Briefer:
    """Answers queries from the current library; the library can be swapped whole at any time."""

    def __init__(self, library: Library, catalogs: Catalogs) -> None:
        self._catalogs = catalogs
        self.library = library

    @property
    def library(self) -> Library:
        """The cards and glossary being served."""
        return self._library

    @library.setter
    def library(self, library: Library) -> None:
        self._library = library
        self._forget()

    @property
    def catalogs(self) -> Catalogs:
        """The interface strings in every language."""
        return self._catalogs

    @catalogs.setter
    def catalogs(self, catalogs: Catalogs) -> None:
        self._catalogs = catalogs
        self._forget()

    def _forget(self) -> None:
        # Content is swapped whole; everything derived from the old set goes with it.
        self._protected_names: dict[Language, list[str]] = {}
        self._owners: dict[str, dict[str, list[str]]] = {}
        self._footers: dict[tuple[str, Language], str] = {}
        self._replies: OrderedDict[tuple[object, ...], Reply] = OrderedDict()

    # --- helpers --------------------------------------------------------------------------------------

    def _(self, language: Language, message: str, /, **values: object) -> str:
        return self.catalogs.gettext(language, message, **values)

    def _name(self, entry: Entry, language: Language) -> str:
        """A name as shown, with the other script beside it where that helps a bilingual reader."""
        shown = entry.display(language)
        other = entry.display("zh-Hans" if language == "en" else "en")
        return shown if other == shown else f"{shown} ({other})"

    def _protected(self, language: Language) -> list[str]:
        """Every name as shown in a language, so pages never split inside one."""
        if language not in self._protected_names:
            entries = self.library.glossary.entries.values()
            self._protected_names[language] = sorted({entry.display(language) for entry in entries})
        return self._protected_names[language]

    def _owners_of(self, attr: str) -> dict[str, list[str]]:
        """For each person (or term) id, the cards that list it, newest first."""
        if attr not in self._owners:
            owners: dict[str, list[str]] = {}
            for card in self.library.newest_first():
                for item in getattr(card, attr):
                    owners.setdefault(item.ref, []).append(card.id)
            self._owners[attr] = owners
        return self._owners[attr]

    def _footer(self, briefing: Briefing) -> str:
        key = (briefing.card.id, briefing.language)
        if key not in self._footers:
            self._footers[key] = self._source_line(briefing)
        return self._footers[key]

    def _source_line(self, briefing: Briefing) -> str:
        lang = briefing.language
        source = briefing.card.source
        parts = [self._(lang, "Source: {outlet}", outlet=briefing.outlet)]
        if source.authors:
            parts.append(format_list(list(source.authors), locale=FORMAT_LOCALES[lang]))
        parts.append(format_partial_date(source.date, lang))
        parts.append(self._(lang, _KIND_LABELS[briefing.card.kind]))
        return " · ".join(parts)

    def _error(self, language: Language, message: str, suggestions: Sequence[str] = ()) -> Reply:
        text = message
        if suggestions:
            text += "\n" + self._(language, "Did you mean: {names}?", names=", ".join(suggestions))
        return Reply((View(self._(language, "Not found"), text),), error=True)

    def _pages(
        self, briefing: Briefing, title: str, description: str = "", fields: Sequence[tuple[str, str]] = ()
    ) -> Reply:
        views = paginate(
            title, self._footer(briefing), description, fields, protected=self._protected(briefing.language)
        )
        return Reply(views, story=briefing.card.id)

    # --- choosing a story ------------------------------------------------------------------------------

    def find_story(self, query: str | None) -> Card | None:
        """A story by id or by the start of its title in any language; the newest when none is asked."""
        cards = self.library.newest_first()
        if not query:
            return cards[0] if cards else None
        key = fold(query)
        for card in cards:
            if fold(card.id) == key:
                return card
        for card in cards:
            titles = [self.library.briefing(card.id, lang).title for lang in ("en", "zh-Hans", "zh-Hant")]
            if key and any(fold(t).startswith(key) or fold(card.id).startswith(key) for t in titles):
                return card
        return None

    def _story_or_error(self, query: str | None, language: Language) -> Briefing | Reply:
        card = self.find_story(query)
        if card is None:
            titles = [self.library.briefing(c.id, language).title for c in self.library.newest_first()[:3]]
            if not query:
                return self._error(language, self._(language, "There are no stories yet."))
            return self._error(language, self._(language, "No story matches “{query}”.", query=query), titles)
        return self.library.briefing(card.id, language)

    # --- queries -------------------------------------------------------------------------------------

    @_remembered
    def stories(self, language: Language) -> Reply:
        """The list of stories, newest first."""
        fields = []
        for card in self.library.newest_first():
            b = self.library.briefing(card.id, language)
            kind = self._(language, _KIND_LABELS[card.kind])
            date = format_partial_date(card.published, language)
            fields.append((b.title, f"{kind} · {date} · `{card.id}`"))
        count = len(fields)
        footer = self.catalogs.ngettext(language, "{n} story", "{n} stories", count)
        views = paginate(self._(language, "Stories"), footer, "", fields)
        return Reply(views)

    @_remembered
    def summary(self, language: Language, story: str | None = None) -> Reply:
        """A story's summary, key points and fact-check notes."""
        b = self._story_or_error(story, language)
        if isinstance(b, Reply):
            return b
        fields = list(b.points)
        fields += [(self._(language, "Fact check"), note) for note in b.notes]
        return self._pages(b, b.title, b.summary, fields)

    @_remembered
    def people(self, language: Language, name: str | None = None, story: str | None = None) -> Reply:
        """The people in a story, or one person."""
        if name:
            return self._person(language, name, story)
        b = self._story_or_error(story, language)
        if isinstance(b, Reply):
            return b
        fields = [(self._name(entry, language), role) for entry, role in b.people]
        title = self._(language, "People: {story}", story=b.title)
        return self._pages(b, title, "", fields)

    def _locate(
        self, query: str, story: str | None, language: Language, attr: str
    ) -> tuple[Briefing, Entry] | Reply:
        """Find a person or term in the chosen story, or in any story when none was chosen."""
        chosen: Briefing | None = None
        if story:
            found = self._story_or_error(story, language)
            if isinstance(found, Reply):
                return found
            chosen = found
            among: Collection[str] = chosen.roles if attr == "people" else chosen.meanings
        else:
            among = self._owners_of(attr)
        match = self.library.glossary.find(query, among=among)
        if match.entry is None:
            suggestions = [self._name(e, language) for e in match.suggestions]
            message = (
                self._(language, "No person matches “{query}”.", query=query)
                if attr == "people"
                else self._(language, "No term matches “{query}”.", query=query)
            )
            return self._error(language, message, suggestions)
        if chosen is None:
            chosen = self.library.briefing(self._owners_of(attr)[match.entry.id][0], language)
        return chosen, match.entry

    def _person(self, language: Language, query: str, story: str | None) -> Reply:
        found = self._locate(query, story, language, "people")
        if isinstance(found, Reply):
            return found
        b, entry = found
        role = b.roles[entry.id]
        events = [e for e in b.timeline if entry.id in e.people]
        fields = [(self._(language, "Names"), self._forms(entry, language))]
        if events:
            label = self.catalogs.ngettext(language, "{n} event", "{n} events", len(events))
            fields.append((label, self._event_lines(events, language)))
        return self._pages(b, self._name(entry, language), role, fields)

    @_remembered
    def timeline(self, language: Language, person: str | None = None, story: str | None = None) -> Reply:
        """A story's timeline, or the events of one person in it."""
        if person:
            found = self._locate(person, story, language, "people")
            if isinstance(found, Reply):
                return found
            b, entry = found
            events = [e for e in b.timeline if entry.id in e.people]
            title = self._(language, "Timeline: {name}", name=entry.display(language))
        else:
            b = self._story_or_error(story, language)
            if isinstance(b, Reply):
                return b
            events = list(b.timeline)
            title = self._(language, "Timeline: {story}", story=b.title)
        if not events:
            return self._pages(b, title, self._(language, "No events on record."))
        return self._pages(b, title, self._event_lines(events, language))

    def _event_lines(self, events: Sequence, language: Language) -> str:
        reported = self._(language, "reported")
        lines = []
        for event in events:
            label = f" ({reported})" if event.reported else ""
            lines.append(f"**{format_partial_date(event.date, language)}**{label}: {event.text}")
        return "\n".join(lines)

    @_remembered
    def glossary(self, language: Language, term: str | None = None, story: str | None = None) -> Reply:
        """The terms a story uses, or one term in every script."""
        if not term:
            b = self._story_or_error(story, language)
            if isinstance(b, Reply):
                return b
            fields = [(self._name(entry, language), meaning) for entry, meaning in b.terms]
            return self._pages(b, self._(language, "Glossary: {story}", story=b.title), "", fields)
        found = self._locate(term, story, language, "terms")
        if isinstance(found, Reply):
            return found
        b, entry = found
        meaning = b.meanings[entry.id]
        fields = [(self._(language, "Names"), self._forms(entry, language))]
        return self._pages(b, self._name(entry, language), meaning, fields)

    def _forms(self, entry: Entry, language: Language) -> str:
        """An entry's form in each script, and how sure we are of the Chinese."""
        if entry.confidence == "unresolved":
            note = self._(language, "The Chinese form is not verified, so it is not shown.")
            return f"{entry.en}\n{note}"
        lines = [
            f"{LANGUAGE_NAMES['en']}: {entry.en}",
            f"{LANGUAGE_NAMES['zh-Hans']}: {entry.display('zh-Hans')}",
            f"{LANGUAGE_NAMES['zh-Hant']}: {entry.display('zh-Hant')}",
        ]
        if entry.pinyin:
            lines.append(self._(language, "Pinyin: {pinyin}", pinyin=entry.pinyin))
        if entry.confidence == "likely":
            lines.append(self._(language, "Likely form, not fully confirmed."))
        return "\n".join(lines)

    # --- autocomplete ----------------------------------------------------------------------------------

    def story_choices(self, language: Language, query: str, limit: int = 25) -> list[Choice]:
        """Stories whose id or title matches what the reader has typed so far."""
        key = fold(query)
        choices = []
        for card in self.library.newest_first():
            titles = [self.library.briefing(card.id, lang).title for lang in ("en", "zh-Hans", "zh-Hant")]
            if not key or any(key in fold(t) for t in [*titles, card.id]):
                choices.append(Choice(self.library.briefing(card.id, language).title, card.id))
        return choices[:limit]

    def entry_choices(
        self, language: Language, query: str, attr: str, story: str | None = None, limit: int = 25
    ) -> list[Choice]:
        """People or terms matching any form of what the reader typed, labelled in their language."""
        card = self.find_story(story) if story else None
        cards = [card] if card else self.library.newest_first()
        ids = {item.ref for c in cards for item in getattr(c, attr)}
        if query.strip():
            entries = self.library.glossary.matches(query, among=ids, limit=limit)
        else:
            entries = sorted((self.library.glossary[i] for i in ids), key=lambda e: e.en.casefold())[:limit]
        return [Choice(self._name(e, language)[:100], e.id) for e in entries]

    def digest(self, language: Language, seen: dict[str, int]) -> tuple[list[View], dict[str, int]]:
        """One short view per story that is new or changed since `seen` (card id -> version), oldest first."""
        views: list[View] = []
        included: dict[str, int] = {}
        for card in reversed(self.library.newest_first()):
            if seen.get(card.id, 0) >= card.version:
                continue
            b = self.library.briefing(card.id, language)
            more = self._(language, "Read more: {command}", command=f"`/summary story:{card.id}`")
            summary = first_sentences(b.summary, 2, 600)
            views += paginate(b.title, self._footer(b), f"{summary}\n{more}")
            included[card.id] = card.version
        return views, included

    def help(self, language: Language) -> Reply:
        """What the bot can be asked, for a question it did not understand."""
        lines = [f"`{usage}`: {self._(language, text)}" for usage, text in COMMANDS if usage != "/help"]
        title = self._(language, "What I can tell you")
        hint = self._(language, "Mention me with a question, e.g. “who is Lin Junyang” or “timeline”.")
        return Reply((View(title, "\n".join([*lines, "", hint])),))
