"""Discord's inline markdown as HTML, every character escaped, with the origin of each run kept."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.core.content import Origin

# What Discord draws inline in embeds: bold, underline, italics, strike-through, code, masked links,
# bare links and <t:…> timestamps. Headings, lists and quotes do not occur in cards.
_INLINE = re.compile(
    r"\*\*(?P<bold>.+?)\*\*"
    r"|__(?P<underline>.+?)__"
    r"|\*(?P<italic>[^*\s](?:[^*]*?[^*\s])?)\*"
    r"|~~(?P<strike>.+?)~~"
    r"|`(?P<code>[^`]+)`"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<href>https?://[^)\s]+)\)"
    r"|<t:(?P<stamp>-?\d{1,13})(?::(?P<style>[tTdDfFR]))?>"
    r"|(?P<url>https?://[^\s<>()]+)",
    re.S,
)
_TAGS = {"bold": "strong", "underline": "u", "italic": "em", "strike": "s"}
_STYLES = {
    "t": "%H:%M",
    "T": "%H:%M:%S",
    "d": "%d/%m/%Y",
    "D": "%-d %B %Y",
    "f": "%-d %B %Y %H:%M",
    "F": "%A, %-d %B %Y %H:%M",
}


def _relative(moment: datetime, now: datetime) -> str:
    """Discord's R style: "in 3 days", "2 months ago"."""
    seconds = (moment - now).total_seconds()
    unit, count = "minute", max(1, round(abs(seconds) / 60))
    for name, size in (("year", 31_536_000), ("month", 2_592_000), ("day", 86_400), ("hour", 3_600)):
        if abs(seconds) >= size:
            unit, count = name, round(abs(seconds) / size)
            break
    words = f"{count} {unit}{'s' if count != 1 else ''}"
    return f"in {words}" if seconds > 0 else f"{words} ago"


def timestamp(stamp: int, style: str | None, now: datetime | None = None) -> str:
    """A `<t:…>` timestamp as Discord shows it (in UTC here, where Discord uses the reader's zone)."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=stamp)
    if style == "R":
        return _relative(moment, now or datetime.now(UTC))
    return moment.strftime(_STYLES[style or "f"])


def _plain(text: str, origins: Sequence[Origin] | None, start: int, end: int) -> str:
    """Escaped text, in a span per run of one origin when origins are given."""
    if start >= end:
        return ""
    if origins is None:
        return html.escape(text[start:end])
    out = []
    at = start
    for i in range(start + 1, end + 1):
        if i == end or origins[i] != origins[at]:
            out.append(f'<span class="o-{origins[at]}">{html.escape(text[at:i])}</span>')
            at = i
    return "".join(out)


def _inline(text: str, origins: Sequence[Origin] | None, start: int, end: int) -> str:
    out = []
    at = start
    for match in _INLINE.finditer(text, start, end):
        out.append(_plain(text, origins, at, match.start()))
        kind = match.lastgroup
        if kind in _TAGS:
            tag = _TAGS[kind]
            inner = _inline(text, origins, match.start(kind), match.end(kind))
            out.append(f"<{tag}>{inner}</{tag}>")
        elif kind == "code":
            out.append(f"<code>{html.escape(match.group('code'))}</code>")
        elif kind == "href":  # a masked link: its label keeps its markdown and origins
            label = _inline(text, origins, match.start("label"), match.end("label"))
            out.append(_link(match.group("href"), label))
        elif kind in ("stamp", "style"):
            stamp = int(match.group("stamp"))
            iso = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=stamp)).isoformat()
            shown = html.escape(timestamp(stamp, match.group("style")))
            style = match.group("style") or "f"
            out.append(
                f'<time class="stamp" datetime="{iso}" data-style="{style}" title="{iso}">{shown}</time>'
            )
        else:
            url = match.group("url")
            out.append(_link(url, html.escape(url)))
        at = match.end()
    out.append(_plain(text, origins, at, end))
    return "".join(out)


def _link(href: str, label_html: str) -> str:
    target = html.escape(href, quote=True)
    return f'<a href="{target}" rel="noopener noreferrer" target="_blank">{label_html}</a>'


def to_html(text: str, origins: Sequence[Origin] | None = None) -> str:
    """Discord markdown as HTML; with `origins` (one per character), each run is tagged by origin."""
    return _inline(text, origins, 0, len(text))
