"""The buttons a reply's message carries, decided once for every front end that draws them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.language import LANGUAGE_NAMES, LANGUAGES, Language
from bot.core.layout import Reply
from bot.core.text import Translation

Action = Literal["previous", "next", "language"]


@dataclass(frozen=True)
class Button:
    """One button: what it says, what it does, and whether it can be clicked on this page."""

    label: str
    action: Action
    language: Language | None = None  # for a language button, the language it answers in
    disabled: bool = False


def reply_buttons(reply: Reply, language: Language, _: Translation, page: int = 0) -> tuple[Button, ...]:
    """Previous and Next when the reply has more than one page, then one button per other language."""
    buttons: list[Button] = []
    if len(reply.pages) > 1:
        buttons.append(Button(_("Previous"), "previous", disabled=page == 0))
        buttons.append(Button(_("Next"), "next", disabled=page >= len(reply.pages) - 1))
    buttons += [
        Button(LANGUAGE_NAMES[other], "language", language=other) for other in LANGUAGES if other != language
    ]
    return tuple(buttons)
