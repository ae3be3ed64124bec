"""Keeping secrets out of output: URLs with their secret parts replaced, and a log filter that does it."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

HIDDEN = "***"

# A path segment that looks like a credential: long, no dot, letters and at least two digits (a webhook
# or interaction token, a key in a path). "qwen-core-team-departs" or "briefing.sqlite3" stay readable.
_TOKEN_SEGMENT = re.compile(r"^(?=(?:.*[0-9]){2})(?=.*[A-Za-z])[A-Za-z0-9_~=+%-]{16,}$")
_URL = re.compile(r"\b(?:https?|wss?|sqlite|postgres(?:ql)?)://[^\s'\"<>)\]]+", re.IGNORECASE)
# discord.py logs raw gateway events and request bodies at DEBUG; interaction tokens travel in them.
_TOKEN_VALUE = re.compile(r"""(['"](?:token|access_token|password)['"]\s*:\s*['"])[^'"]*(['"])""")


def _netloc(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        port = ""
    if parts.username is None and parts.password is None:
        return host + port
    user = parts.username or ""
    return f"{user}:{HIDDEN}@{host}{port}" if parts.password is not None else f"{user}@{host}{port}"


def redact_url(url: str) -> str:
    """The URL with its password, token-like path segments and query string replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return HIDDEN
    if not parts.scheme:
        return HIDDEN if url else url
    segments = parts.path.split("/")
    after_webhooks = [i + 2 for i, s in enumerate(segments) if s == "webhooks"]
    path = "/".join(
        HIDDEN if i in after_webhooks or _TOKEN_SEGMENT.match(segment) else segment
        for i, segment in enumerate(segments)
    )
    query = f"?{HIDDEN}" if parts.query else ""
    return f"{parts.scheme}://{_netloc(parts)}{path}{query}"


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Text with every URL redacted, token values in logged payloads hidden, and known secrets removed."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, HIDDEN)
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    return _TOKEN_VALUE.sub(rf"\g<1>{HIDDEN}\g<2>", text)


def url_secrets(url: str | None) -> list[str]:
    """The secret parts of a URL (password, query, token-like segments), to remove wherever they appear."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return [url]
    found = [password or "", parts.query]
    found += [s for s in parts.path.split("/") if _TOKEN_SEGMENT.match(s)]
    if "/webhooks/" in parts.path:
        found.append(parts.path.split("/webhooks/", 1)[1].partition("/")[2].partition("/")[0])
    return [s for s in found if len(s) >= 4]  # shorter is too common to remove from every line


class RedactingFilter(logging.Filter):
    """Rewrites each record, its arguments and its traceback with secrets removed, before it is written."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is removed whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the message and any exception text; never drops a record."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = scrub(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info, self.secrets)
        return True


def install(secrets: Iterable[str]) -> RedactingFilter:
    """Add the filter to every handler of the root logger (records from every library pass through them)."""
    redacting = RedactingFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redacting)
    return redacting
