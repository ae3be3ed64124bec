"""Reading a question asked in chat ("who is Lin Junyang", "时间线") as one of the bot's queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Intent = Literal["summary", "people", "timeline", "glossary", "briefs", "help"]

_MENTION = re.compile(r"<@[!&]?\d+>|<#\d+>")
_TRIM = " \t\r\n?？!！.。,，:：、\"'“”「」"

# Each pattern captures the subject, if the question names one.
_PATTERNS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    ("timeline", re.compile(r"^(?:timeline|time line|dates|when)(?:\s+(?:of|for)\s+(?P<s>.+))?$", re.I)),
    ("timeline", re.compile(r"^(?:(?P<s>.+?)的)?(?:时间线|時間線|时间表|時間表|大事记|大事記)$")),
    ("summary", re.compile(r"^(?:summary|summarise|summarize|tl;?dr|what happened|brief(?:ing)?)$", re.I)),
    ("summary", re.compile(r"^(?:总结|總結|摘要|概要|发生了什么|發生了什麼|发生什么事|簡報|简报)$")),
    ("briefs", re.compile(r"^(?:stories|briefs|list|news)$", re.I)),
    ("briefs", re.compile(r"^(?:简报列表|簡報列表|报道列表|報導列表|报道|報導|新闻|新聞)$")),
    ("people", re.compile(r"^(?:who(?:'s| is| was)|tell me about)\s+(?P<s>.+)$", re.I)),
    ("people", re.compile(r"^(?:(?P<s>.+?)是谁|(?P<t>.+?)是誰|谁是(?P<u>.+)|誰是(?P<v>.+))$")),
    ("people", re.compile(r"^(?:who|people|人物)$", re.I)),
    (
        "glossary",
        re.compile(r"^(?:what(?:'s| is| are| does)|define|meaning of)\s+(?P<s>.+?)(?:\s+mean)?$", re.I),
    ),
    (
        "glossary",
        re.compile(
            r"^(?:(?P<s>.+?)是什么(?:意思)?|(?P<t>.+?)是什麼(?:意思)?|什么是(?P<u>.+)|什麼是(?P<v>.+))$"
        ),
    ),
    ("glossary", re.compile(r"^(?:glossary|terms|术语|術語|词汇表|詞彙表)$", re.I)),
    ("help", re.compile(r"^(?:help|帮助|幫助|\?)?$", re.I)),
)


@dataclass(frozen=True)
class Question:
    """What a chat message asks for, and about whom or what."""

    intent: Intent
    subject: str | None = None


def parse_question(text: str) -> Question:
    """Read a chat message that mentioned the bot; anything else is treated as a name to look up."""
    cleaned = _MENTION.sub(" ", text).strip(_TRIM)
    cleaned = " ".join(cleaned.split())
    for intent, pattern in _PATTERNS:
        match = pattern.match(cleaned)
        if match:
            subject = next((v for v in match.groupdict().values() if v), None)
            return Question(intent, subject.strip(_TRIM) if subject else None)
    return Question("people", cleaned)
