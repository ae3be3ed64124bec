"""Answers to readers' questions, laid out within Discord's limits, from whatever front end asks."""

from bot.core.answers.briefer import COMMANDS, KIND_LABELS, Answer, Briefer, Choice, NotFound, Section
from bot.core.answers.buttons import Button, reply_buttons
from bot.core.answers.questions import Intent, Question, parse_question

__all__ = [
    "COMMANDS",
    "KIND_LABELS",
    "Answer",
    "Briefer",
    "Button",
    "Choice",
    "Intent",
    "NotFound",
    "Question",
    "Section",
    "parse_question",
    "reply_buttons",
]
