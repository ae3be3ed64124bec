"""Posting a digest to a Discord webhook with httpx: for cron, with no gateway connection."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

import httpx

from bot.core.layout import COLOUR, View
from bot.redaction import redact_url, scrub, url_secrets

_WEBHOOK = re.compile(r"^(https?://[^/]+(?:/[^/]+)*?/webhooks/\d+/)([^/?#]+)(.*)$")
RETRIES = 5


class WebhookError(Exception):
    """The webhook refused the post; the message never contains the webhook's token."""


def redact(url: str) -> str:
    """The URL with its secret token (and any password or query) replaced, safe to print or log."""
    return redact_url(url)


def is_webhook_url(url: str) -> bool:
    """Whether a URL has the shape of a Discord webhook: …/webhooks/<id>/<token>."""
    return _WEBHOOK.match(url) is not None


def embed_json(view: View) -> dict[str, Any]:
    """A view as the embed object of Discord's API."""
    embed: dict[str, Any] = {"title": view.title, "type": "rich", "color": COLOUR}
    if view.description:
        embed["description"] = view.description
    if view.fields:
        embed["fields"] = [{"name": f.name, "value": f.value, "inline": f.inline} for f in view.fields]
    if view.footer:
        embed["footer"] = {"text": view.footer}
    return embed


def _retry_after(response: httpx.Response) -> float:
    try:
        body = response.json()
        return float(body.get("retry_after", 1.0))
    except (ValueError, AttributeError):
        return float(response.headers.get("Retry-After", 1.0))


async def post_messages(client: httpx.AsyncClient, url: str, messages: Sequence[Sequence[View]]) -> list[str]:
    """Post each message in order and return the ids Discord gave them; retry 429, 5xx and timeouts."""
    ids = []
    for views in messages:
        payload = {"embeds": [embed_json(v) for v in views], "allowed_mentions": {"parse": []}}
        for attempt in range(RETRIES + 1):
            try:
                response = await client.post(url, params={"wait": "true"}, json=payload)
            except httpx.TransportError as exc:
                if attempt == RETRIES:
                    raise WebhookError(f"could not reach {redact(url)}: {type(exc).__name__}") from None
                await asyncio.sleep(min(2**attempt, 30))
                continue
            if response.status_code == 429:
                await asyncio.sleep(_retry_after(response))
                continue
            if response.status_code >= 500 and attempt < RETRIES:
                await asyncio.sleep(min(2**attempt, 30))
                continue
            if response.is_error:
                try:
                    reason = response.json().get("message", "")
                except ValueError:
                    reason = ""
                # A server may echo the URL, token and all, in its error: scrub what is shown.
                reason = scrub(str(reason)[:300], url_secrets(url))
                raise WebhookError(f"{redact(url)} answered {response.status_code} {reason}".rstrip())
            ids.append(str(response.json().get("id", "")))
            break
        else:
            raise WebhookError(f"{redact(url)} kept answering 429 or 5xx; gave up after {RETRIES + 1} tries")
    return ids
