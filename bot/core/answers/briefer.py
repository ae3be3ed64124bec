"""Answers to the bot's questions (summary, people, timeline, glossary, stories) as laid-out replies."""

from __future__ import annotations

import functools
import heapq
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Concatenate, Literal, ParamSpec

from babel.lists import format_list

from bot.core.answers.questions import Intent, Question
from bot.core.content import Briefing, Card, Content, Entry, Library, Match, RenderedEvent, fold, short_key
from bot.core.language import FORMAT_LOCALES, LANGUAGE_NAMES, LANGUAGES, Language, in_brackets, with_colon
from bot.core.layout import CHOICE_NAME, Query, QueryKind, Reply, View, clip, paginate, quote_input
from bot.core.text import N_, Catalogs, Translation, format_partial_date

Section = Literal["people", "terms"]

# Marked for extraction here and translated where they are shown.
KIND_LABELS = {"report": N_("Report"), "analysis": N_("Analysis (opinion)")}
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
REMEMBERED_CHOICES = 4096


@dataclass(frozen=True)
class NotFound:
    """A query that names nothing we have: one private page saying so, with suggestions."""

    view: View


Answer = Reply | NotFound


class _NotRemembered(Exception):
    """Raised by a query asked through `Briefer.recall` whose reply is not in memory."""


# Set on the event loop's thread while it recalls: worker threads that build answers never see it.
_recalling = threading.local()


class _Missing(Exception):
    """Raised deep in a query when what it names does not exist; the query returns its NotFound."""

    def __init__(self, result: NotFound) -> None:
        super().__init__(result.view.description)
        self.result = result


P = ParamSpec("P")


def _query(method: Callable[Concatenate[Briefer, P], Reply]) -> Callable[Concatenate[Briefer, P], Answer]:
    """Answer a repeated query from memory, and turn a missing story or name into a NotFound.

    A reply depends only on the query and the content, and content is swapped whole, so remembering
    replies until the next swap is safe.
    """

    @functools.wraps(method)
    def answer(self: Briefer, /, *args: P.args, **kwargs: P.kwargs) -> Answer:
        key = (method.__name__, args, tuple(sorted(kwargs.items())))
        # Answers are built in worker threads, several at once: the memory is shared under a lock,
        # and the building itself runs outside it.
        with self._memory:
            replies = self._replies
            if key in replies:
                replies.move_to_end(key)
                return replies[key]
        if getattr(_recalling, "only", False):
            raise _NotRemembered
        try:
            result: Answer = method(self, *args, **kwargs)
        except _Missing as missing:
            result = missing.result
        with self._memory:
            if replies is self._replies:  # not remembered across a swap: it may be from the old content
                replies[key] = result
                if len(replies) > REMEMBERED_REPLIES:  # bounded: a flood of made-up names cannot grow it
                    replies.popitem(last=False)
        return result

    return answer


@dataclass(frozen=True)
class Choice:
    """An autocomplete suggestion: what the reader sees and the value sent back."""

    label: str
    value: str


class Briefer:
    """Answers queries from the current content; the content can be swapped whole at any time."""

    def __init__(self, library: Library, catalogs: Catalogs) -> None:
        self._library = library
        self._catalogs = catalogs
        self._memory = threading.Lock()
        self._forget()

    @classmethod
    def serving(cls, content: Content) -> Briefer:
        """A briefer over loaded content."""
        return cls(content.library, content.catalogs)

    @property
    def library(self) -> Library:
        """The cards and glossary being served."""
        return self._library

    @property
    def catalogs(self) -> Catalogs:
        """The interface strings in every language."""
        return self._catalogs

    def swap(self, content: Content) -> None:
        """Serve new content from the next query on."""
        with self._memory:
            self._library = content.library
            self._catalogs = content.catalogs
            self._forget()

    def _forget(self) -> None:
        # Content is swapped whole; everything derived from the old set goes with it.
        self._protected_names: dict[tuple[str, Language], list[str]] = {}
        self._owners: dict[Section, dict[str, list[str]]] = {}
        self._footers: dict[tuple[str, Language], str] = {}
        self._labels: dict[tuple[str, Language], str] = {}
        self._choices: dict[tuple[object, ...], list[Choice]] = {}
        self._replies: OrderedDict[tuple[object, ...], Answer] = OrderedDict()
        self._story_keys: dict[str, str] | None = None
        self._entry_keys: dict[str, str] | None = None

    def recall(self, render: Callable[[Language], Answer], language: Language) -> Answer | None:
        """The answer `render` gives if it is already remembered, else None; never builds one.

        Cheap enough to call on the event loop: a reply not yet in memory is built by the caller elsewhere.
        """
        _recalling.only = True
        try:
            return render(language)
        except _NotRemembered:
            return None
        finally:
            _recalling.only = False

    # --- helpers --------------------------------------------------------------------------------------

    def translation(self, language: Language) -> Translation:
        """The interface strings of one language."""
        return self._catalogs[language]

    def _protected(self, briefing: Briefing) -> list[str]:
        """Every name a story's pages can show, as shown in their language, so pages never split inside one.

        Names reach a card's text only through its glossary references: the card's own, not the whole
        glossary's (a newsroom's ten thousand names would be searched for at every cut of every page).
        """
        key = (briefing.card.id, briefing.language)
        if key not in self._protected_names:
            glossary = self.library.glossary
            ids = {ref for _, ref in briefing.card.references() if ref in glossary}
            self._protected_names[key] = sorted({glossary[i].display(briefing.language) for i in ids})
        return self._protected_names[key]

    def _owners_of(self, section: Section) -> dict[str, list[str]]:
        """For each person (or term) id, the cards that list it, reports first, newest first."""
        if section not in self._owners:
            owners: dict[str, list[str]] = {}
            for card in self.library.reports_first():
                items = card.people if section == "people" else card.terms
                for item in items:
                    owners.setdefault(item.ref, []).append(card.id)
            self._owners[section] = owners
        return self._owners[section]

    def footer(self, briefing: Briefing) -> str:
        """The source line under every page of a story (outlet, authors, date, kind); the report it reads."""
        key = (briefing.card.id, briefing.language)
        if key not in self._footers:
            _ = self.translation(briefing.language)
            authors, date = self.library.credits[key]
            parts = [_("Source: {outlet}", outlet=briefing.outlet)]
            if authors:
                parts.append(authors)
            parts.append(date)
            parts.append(_(KIND_LABELS[briefing.card.kind]))
            footer = " · ".join(parts)
            if briefing.card.about:
                command = f"/summary story:{briefing.card.about}"
                footer += "\n" + _("The report this piece reads: {command}", command=command)
            self._footers[key] = footer
        return self._footers[key]

    def _missing(self, language: Language, message: str, suggestions: Sequence[str] = ()) -> _Missing:
        _ = self.translation(language)
        text = message
        if suggestions:
            text += "\n" + _("Did you mean: {names}?", names=", ".join(suggestions))
        return _Missing(NotFound(View(_("Not found"), text)))

    def _pages(
        self,
        kind: QueryKind,
        briefing: Briefing,
        title: str,
        description: str = "",
        fields: Sequence[tuple[str, str]] = (),
        subject: Entry | None = None,
    ) -> Reply:
        views = paginate(
            title, self.footer(briefing), description, fields, protected=self._protected(briefing)
        )
        query = Query(kind, briefing.card.id, subject.id if subject is not None else None)
        return Reply(views, story=briefing.card.id, query=query, about=briefing.card.about)

    # --- choosing a story ------------------------------------------------------------------------------

    def find_story(self, query: str | None) -> Card | None:
        """A story by id or by the start of its title in any language; the newest report when none is asked.

        An analysis is an opinion about a report, so it is never the answer to a bare question: it is
        reached by its id, its title or autocomplete. With no report at all, the newest analysis answers.
        """
        stories = self.library.story_keys
        if not query:
            return stories[0][0] if stories else None
        key = fold(query)
        if not key:
            return None
        if exact := self.library.story_ids.get(key):
            return exact
        for card, card_key, titles in stories:
            if card_key.startswith(key) or any(t.startswith(key) for t in titles):
                return card
        return None

    def _story(self, query: str | None, language: Language) -> Briefing:
        card = self.find_story(query)
        if card is None:
            _ = self.translation(language)
            if not query:
                raise self._missing(language, _("There are no stories yet."))
            titles = [self.library.title(c.id, language) for c in self.library.reports_first()[:3]]
            raise self._missing(language, _("No story matches “{query}”.", query=quote_input(query)), titles)
        return self.library.briefing(card.id, language)

    def _locate(
        self, query: str, story: str | None, language: Language, section: Section
    ) -> tuple[Briefing, Entry]:
        """Find a person or term in the chosen story, or in any story when none was chosen."""
        chosen = self._story(story, language) if story else None
        among: Collection[str]
        if chosen is None:
            among = self._owners_of(section)
        else:
            among = chosen.roles if section == "people" else chosen.meanings
        # An id is exact: a query asked again by a button names its entry by id.
        glossary = self.library.glossary
        match = Match(glossary[query]) if query in among else glossary.find(query, among=among)
        if match.entry is None:
            _ = self.translation(language)
            suggestions = [e.label(language) for e in match.suggestions]
            message = (
                _("No person matches “{query}”.", query=quote_input(query))
                if section == "people"
                else _("No term matches “{query}”.", query=quote_input(query))
            )
            raise self._missing(language, message, suggestions)
        if chosen is None:
            chosen = self.library.briefing(self._owners_of(section)[match.entry.id][0], language)
        return chosen, match.entry

    # --- queries -------------------------------------------------------------------------------------

    @_query
    def stories(self, language: Language) -> Reply:
        """The list of stories: reports newest first, then analyses."""
        _ = self.translation(language)
        fields = []
        for card in self.library.reports_first():
            date = format_partial_date(card.published, language)
            fields.append(
                (self.library.title(card.id, language), f"{_(KIND_LABELS[card.kind])} · {date} · `{card.id}`")
            )
        footer = _.plural("{n} story", "{n} stories", len(fields))
        return Reply(paginate(_("Stories"), footer, "", fields), query=Query("stories"))

    @_query
    def summary(self, language: Language, story: str | None = None) -> Reply:
        """A story's summary, key points and fact-check notes."""
        b = self._story(story, language)
        _ = self.translation(language)
        fields = [*b.points, *((_("Fact check"), note) for note in b.notes)]
        return self._pages("summary", b, b.title, b.summary, fields)

    @_query
    def people(self, language: Language, name: str | None = None, story: str | None = None) -> Reply:
        """The people in a story, or one person."""
        _ = self.translation(language)
        if name:
            b, entry = self._locate(name, story, language, "people")
            events = [e for e in b.timeline if entry.id in e.people]
            fields = [(_("Names"), self._forms(entry, language))]
            if events:
                label = _.plural("{n} event", "{n} events", len(events))
                fields.append((label, self._event_lines(events, b)))
            return self._pages("people", b, entry.label(language), b.roles[entry.id], fields, entry)
        b = self._story(story, language)
        fields = [(entry.label(language), role) for entry, role in b.people]
        return self._pages("people", b, _("People: {story}", story=b.title), "", fields)

    @_query
    def timeline(self, language: Language, person: str | None = None, story: str | None = None) -> Reply:
        """A story's timeline, or the events of one person in it."""
        _ = self.translation(language)
        entry: Entry | None = None
        if person:
            b, entry = self._locate(person, story, language, "people")
            events = [e for e in b.timeline if entry.id in e.people]
            title = _("Timeline: {name}", name=entry.display(language))
        else:
            b = self._story(story, language)
            events = list(b.timeline)
            title = _("Timeline: {story}", story=b.title)
        if not events:
            return self._pages("timeline", b, title, _("No events on record."), subject=entry)
        return self._pages("timeline", b, title, self._event_lines(events, b), subject=entry)

    def _event_lines(self, events: Sequence[RenderedEvent], b: Briefing) -> str:
        """One line per event, `**date** (reported): text`, with Chinese punctuation in Chinese."""
        language = b.language
        _ = self.translation(language)
        reported = _("reported")
        lines = []
        if not b.card.is_report:
            # An opinion piece's timeline holds facts from the checked reference, not claims of the piece.
            lines.append(
                "*" + _("Dates and events from public reporting, not from this opinion piece.") + "*"
            )
        for event in events:
            label = in_brackets(reported, language) if event.reported else ""
            date = f"**{format_partial_date(event.date, language)}**{label}"
            lines.append(with_colon(date, language) + event.text)
        return "\n".join(lines)

    @_query
    def glossary(self, language: Language, term: str | None = None, story: str | None = None) -> Reply:
        """The terms a story uses, or one term in every script."""
        _ = self.translation(language)
        if not term:
            b = self._story(story, language)
            fields = [(entry.label(language), meaning) for entry, meaning in b.terms]
            return self._pages("glossary", b, _("Glossary: {story}", story=b.title), "", fields)
        b, entry = self._locate(term, story, language, "terms")
        fields = [(_("Names"), self._forms(entry, language))]
        return self._pages("glossary", b, entry.label(language), b.meanings[entry.id], fields, entry)

    def _forms(self, entry: Entry, language: Language) -> str:
        """An entry's form in each script, and how sure we are of the Chinese."""
        _ = self.translation(language)
        if entry.confidence == "unresolved":
            note = _("The Chinese form is not verified, so it is not shown.")
            return f"{entry.en}\n{note}"
        lines = [with_colon(LANGUAGE_NAMES[lang], language) + entry.display(lang) for lang in LANGUAGES]
        if entry.pinyin:
            lines.append(_("Pinyin: {pinyin}", pinyin=entry.pinyin))
        if entry.confidence == "likely":
            lines.append(_("Likely form, not fully confirmed."))
        return "\n".join(lines)

    @_query
    def help(self, language: Language) -> Reply:
        """What the bot can be asked, for a question it did not understand."""
        _ = self.translation(language)
        lines = [f"`{usage}`: {_(text)}" for usage, text in COMMANDS if usage != "/help"]
        title = _("What I can tell you")
        hint = _("Mention me with a question, e.g. “who is Lin Junyang” or “timeline”.")
        return Reply((View(title, "\n".join([*lines, "", hint])),), query=Query("help"))

    # --- autocomplete ----------------------------------------------------------------------------------

    def story_choices(self, language: Language, query: str, limit: int = 25) -> list[Choice]:
        """The stories that best match what the reader has typed so far, reports and newer ones first.

        An exact id ranks first, then an id or title that starts with the text, then one that contains it.
        """
        return self._remembered(
            ("stories", language, fold(query), limit), lambda: self._story_choices(language, query, limit)
        )

    def _story_choices(self, language: Language, query: str, limit: int) -> list[Choice]:
        key = fold(query)
        ranked: list[tuple[int, int, Card]] = []
        for order, (card, card_key, titles) in enumerate(self.library.story_keys):
            if not key or card_key == key:
                rank = 0
            elif card_key.startswith(key) or any(t.startswith(key) for t in titles):
                rank = 1
            elif key in card_key or any(key in t for t in titles):
                rank = 2
            else:
                continue
            ranked.append((rank, order, card))
        best = heapq.nsmallest(limit, ranked, key=lambda item: (item[0], item[1]))
        return [Choice(clip(self.library.title(c.id, language), CHOICE_NAME), c.id) for _, _, c in best]

    def entry_choices(
        self, language: Language, query: str, section: Section, story: str | None = None, limit: int = 25
    ) -> list[Choice]:
        """People or terms matching any form of what the reader typed, labelled in their language."""
        return self._remembered(
            (section, language, fold(query), story, limit),
            lambda: self._entry_choices(language, query, section, story, limit),
        )

    def _remembered(self, key: tuple[object, ...], find: Callable[[], list[Choice]]) -> list[Choice]:
        """Choices found since the last swap, from memory, else found now and remembered.

        Readers type the same first letters again and again. Queries that fold alike search alike, so
        the key holds the folded query.
        """
        if (remembered := self._choices.get(key)) is not None:
            return remembered
        choices = find()
        with self._memory:
            self._choices[key] = choices
            if len(self._choices) > REMEMBERED_CHOICES:  # bounded: made-up keystrokes cannot grow it
                del self._choices[next(iter(self._choices))]
        return choices

    def _entry_choices(
        self, language: Language, query: str, section: Section, story: str | None, limit: int
    ) -> list[Choice]:
        card = self.find_story(story) if story else None
        ids: Collection[str]
        if card is not None:
            ids = {item.ref for item in (card.people if section == "people" else card.terms)}
        else:
            ids = self._owners_of(section)  # every story's, built once per content swap
        glossary = self.library.glossary
        if query.strip():
            entries = glossary.matches(query, among=ids, limit=limit)
        else:
            alphabetical = glossary.alphabetical
            entries = [glossary[i] for i in heapq.nsmallest(limit, ids, key=alphabetical.__getitem__)]
        return [Choice(self._label(entry, language), entry.id) for entry in entries]

    def _label(self, entry: Entry, language: Language) -> str:
        """An entry's autocomplete label, made once per content: every keystroke shows 25 of them."""
        key = (entry.id, language)
        if (label := self._labels.get(key)) is None:
            label = self._labels[key] = clip(entry.label(language), CHOICE_NAME)
        return label

    # --- asking again by ids and keys -------------------------------------------------------------

    def answer(self, language: Language, query: Query) -> Answer:
        """Ask a query again, in any language, from the ids a reply recorded."""
        if query.kind == "summary":
            return self.summary(language, query.story)
        if query.kind == "people":
            return self.people(language, query.subject, query.story)
        if query.kind == "timeline":
            return self.timeline(language, query.subject, query.story)
        if query.kind == "glossary":
            return self.glossary(language, query.subject, query.story)
        if query.kind == "stories":
            return self.stories(language)
        return self.help(language)

    def story_for_key(self, key: str) -> str | None:
        """The card id behind a short key, if that card is still served."""
        if self._story_keys is None:
            self._story_keys = {short_key(card.id): card.id for card in self.library.cards}
        return self._story_keys.get(key)

    def entry_for_key(self, key: str) -> str | None:
        """The glossary id behind a short key, if that entry is still served."""
        if self._entry_keys is None:
            self._entry_keys = {short_key(entry_id): entry_id for entry_id in self.library.glossary.entries}
        return self._entry_keys.get(key)

    # --- topics ------------------------------------------------------------------------------------

    def topics(self) -> list[Entry]:
        """Every topic the glossary defines, in English alphabetical order."""
        entries = self.library.glossary.entries.values()
        return sorted((e for e in entries if e.kind == "topic"), key=lambda e: e.en.casefold())

    def find_topics(self, text: str) -> tuple[list[str], list[str]]:
        """Topic ids named in a comma-separated list (by id or any form), and the first item naming none."""
        known = {entry.id for entry in self.topics()}
        found: list[str] = []
        unknown: list[str] = []
        for item in (part.strip() for part in text.replace("，", ",").split(",")):
            if not item:
                continue
            match = self.library.glossary.find(item, among=known)
            if match.entry is None:
                unknown.append(item)
                break  # one is enough to refuse, and a flood of made-up items costs no more
            if match.entry.id not in found:
                found.append(match.entry.id)
        return found, unknown

    def topic_names(self, language: Language, topic_ids: Sequence[str]) -> str:
        """Topics as a reader reads them, in a list joined the language's way."""
        glossary = self.library.glossary
        names = [glossary[t].display(language) if t in glossary else t for t in topic_ids]
        return format_list(names, locale=FORMAT_LOCALES[language]) if names else ""

    def topic_choices(self, language: Language, typed: str, limit: int = 25) -> list[Choice]:
        """Completions for the last item of a comma-separated list of topics; the earlier ones kept."""
        head, _comma, last = typed.replace("，", ",").rpartition(",")
        chosen, _unknown = self.find_topics(head)
        known = [e for e in self.topics() if e.id not in chosen]
        if last.strip():
            matching = {e.id for e in self.library.glossary.matches(last, among={e.id for e in known})}
            known = [e for e in known if e.id in matching]
        prefix = "".join(f"{t}, " for t in chosen)
        # A value cut short would name another list: a choice that does not fit is left out instead.
        return [
            Choice(clip(prefix + entry.label(language), CHOICE_NAME), prefix + entry.id)
            for entry in known[:limit]
            if len(prefix + entry.id) <= CHOICE_NAME
        ]

    def ask(self, language: Language, question: Question) -> Answer:
        """Answer a question read from chat."""
        queries: dict[Intent, Callable[[], Answer]] = {
            "summary": lambda: self.summary(language),
            "people": lambda: self.people(language, question.subject),
            "timeline": lambda: self.timeline(language, question.subject),
            "glossary": lambda: self.glossary(language, question.subject),
            "briefs": lambda: self.stories(language),
            "help": lambda: self.help(language),
        }
        return queries[question.intent]()
