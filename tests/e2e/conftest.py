"""Shared end-to-end helpers: the admin user, the ephemeral flag, and asking the loopback Discord."""

from __future__ import annotations

from typing import Any

from tests.e2e.discord_server import ADMIN_ID, LoopbackDiscord, embeds_of

EPHEMERAL = 64  # the message flag Discord uses for "only you can see this"
ADMIN = {"user_id": ADMIN_ID, "permissions": 0x7FFFFFFF}  # a member with every permission


async def ask(
    server: LoopbackDiscord, name: str, options: dict[str, Any] | None = None, **kw: Any
) -> dict[str, Any]:
    """Run a slash command (or autocomplete, with focused=) and return the bot's callback body."""
    handle = await server.command(name, options, **kw)
    return (await handle.response()).body


def text_of(body: dict[str, Any]) -> str:
    """Every visible text of a callback's or message's embeds, one string."""
    parts = []
    for embed in embeds_of(body):
        parts += [
            embed.get("title", ""),
            embed.get("description", ""),
            embed.get("footer", {}).get("text", ""),
        ]
        parts += [f["name"] + "\n" + f["value"] for f in embed.get("fields", [])]
    return "\n".join(parts)
