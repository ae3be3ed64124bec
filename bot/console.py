"""A local console that answers the bot's commands in a terminal, from the same core."""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Callable
from typing import TextIO

from bot.core.answers import COMMANDS, Answer, Briefer, NotFound
from bot.core.language import LANGUAGE_NAMES, LANGUAGES, Language, parse_language
from bot.core.layout import View
from bot.core.text import Translation

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def render_view(view: View) -> str:
    """Draw one page as plain terminal text."""
    lines = [f"== {view.title} =="]
    if view.description:
        lines.append(_BOLD.sub(r"\1", view.description))
    for field in view.fields:
        lines.append(f"* {field.name}")
        lines += [f"  {line}" for line in _BOLD.sub(r"\1", field.value).splitlines()]
    if view.footer:
        lines.append(f"-- {view.footer}")
    return "\n".join(lines)


def render_reply(answer: Answer) -> str:
    """Draw every page of a reply; a terminal scrolls, so pages follow each other."""
    if isinstance(answer, NotFound):
        return render_view(answer.view)
    return "\n\n".join(render_view(page) for page in answer.pages)


class Console:
    """Reads commands line by line and writes answers, in the language the user picks."""

    def __init__(self, briefer: Briefer, language: Language, out: TextIO = sys.stdout) -> None:
        self.briefer = briefer
        self.language = language
        self.out = out

    def handle(self, line: str) -> str:
        """Answer one line of input."""
        line = line.strip()
        if not line:
            return ""
        try:
            words = shlex.split(line)
        except ValueError:
            words = line.split()
        command, args = words[0].lower(), words[1:]
        story = None
        rest = []
        for word in args:
            if word.lower().startswith("story:"):
                story = word.split(":", 1)[1] or None
            else:
                rest.append(word)
        text = " ".join(rest) or None
        handlers: dict[str, Callable[[], str]] = {
            "/summary": lambda: render_reply(self.briefer.summary(self.language, text or story)),
            "/people": lambda: render_reply(self.briefer.people(self.language, text, story)),
            "/timeline": lambda: render_reply(self.briefer.timeline(self.language, text, story)),
            "/glossary": lambda: render_reply(self.briefer.glossary(self.language, text, story)),
            "/briefs": lambda: render_reply(self.briefer.stories(self.language)),
            "/language": lambda: self._set_language(text),
            "/help": self._help,
        }
        handler = handlers.get(command)
        if handler is None:
            return self._("Unknown command {command}. Type /help for the list.", command=command)
        return handler()

    @property
    def _(self) -> Translation:
        """The interface strings of the console's current language."""
        return self.briefer.translation(self.language)

    def _set_language(self, value: str | None) -> str:
        codes = ", ".join(LANGUAGES)
        if not value:
            return self._("Usage: /language <{codes}>", codes=codes)
        language = parse_language(value)
        if language is None:
            return self._("Unknown language “{value}”. Choose one of: {codes}.", value=value, codes=codes)
        self.language = language
        return self._("Language set to {language}.", language=LANGUAGE_NAMES[language])

    def _help(self) -> str:
        _ = self._
        lines = [_("Commands:")]
        lines += [f"  {usage:<32} {_(text)}" for usage, text in COMMANDS]
        lines.append(_("Add story:<id> to any command to pick a story other than the newest report."))
        return "\n".join(lines)

    def run(self, stream: TextIO = sys.stdin) -> None:
        """Answer until end of input or /quit; a prompt only when a person is typing."""
        interactive = stream.isatty()
        if interactive:
            self.out.write(self._("Briefing console. Type /help for commands, /quit to leave.") + "\n")
        while True:
            if interactive:
                self.out.write("> ")
                self.out.flush()
            line = stream.readline()
            if not line or line.strip() in ("/quit", "/exit"):
                break
            answer = self.handle(line)
            if answer:
                self.out.write(answer + "\n\n")
                self.out.flush()
