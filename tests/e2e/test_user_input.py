"""Whatever a user types, replies stay within Discord's limits and never re-post their markdown as ours."""

from __future__ import annotations

from pathlib import Path

from bot.core.layout import DESCRIPTION
from tests.e2e.bot_process import running_bot
from tests.e2e.discord_server import ADMIN_ID, CHANNEL_ID, LoopbackDiscord, embeds_of

ADMIN = {"user_id": ADMIN_ID, "permissions": 0x7FFFFFFF}
PHISHING = "[free nitro](https://evil.example/claim)"
UNSEEN_CHANNEL = 700000000000000099  # in the server, but not among the channels the bot can see


async def reply(server: LoopbackDiscord, name: str, options: dict, **kw) -> dict:
    handle = await server.command(name, options, **kw)
    return (await handle.response()).body


def description(body: dict) -> str:
    return embeds_of(body)[0]["description"]


async def test_echoed_input_is_clipped_escaped_and_never_a_link(tmp_path: Path) -> None:
    async with LoopbackDiscord() as server, running_bot(server, tmp_path):
        long_story = PHISHING + " " + "x" * 4000
        text = description(await reply(server, "summary", {"story": long_story}))
        assert len(text) <= DESCRIPTION
        quoted = "\\[free nitro\\]\\(https:\u200b//evil.example/claim\\) " + "x" * 58 + "…"
        assert text.startswith(f"No story matches “{quoted}”.\n")  # then the suggestions

        text = description(await reply(server, "summary", {"language": "y" * 4000}))
        assert text == f"We have no briefings in “{'y' * 99}…”."
        body = await reply(server, "language", {"language": PHISHING * 100}, subcommand="set", **ADMIN)
        escaped = "\\[free nitro\\]\\(https:\u200b//evil.example/claim\\)"
        # Clipped at the last space before 100 characters, then escaped: no link survives.
        assert description(body) == f"We have no briefings in “{escaped * 2}\\[free…”."

        # Asked in chat, mentioning the bot: the answer quotes the question without its link.
        before = len(server.messages)
        await server.say(f"<@700000000000000100> who is {PHISHING}")
        answer = await server.wait_for(lambda: server.messages[before:], 10)
        shown = description({"embeds": answer[0]["embeds"]})
        assert "](" not in shown
        assert "https://" not in shown
        assert "\\[free nitro\\]" in shown


async def test_digest_set_refuses_odd_times_long_zones_and_unseen_channels_plainly(tmp_path: Path) -> None:
    async with LoopbackDiscord() as server, running_bot(server, tmp_path):
        body = await reply(
            server, "digest", {"channel": CHANNEL_ID, "time": "²3:00"}, subcommand="set", **ADMIN
        )
        assert description(body) == "“²3:00” is not a time. Use HH:MM, e.g. 08:30."

        zone = "Europe/" + "A" * 300
        body = await reply(
            server,
            "digest",
            {"channel": CHANNEL_ID, "time": "08:00", "timezone": zone},
            subcommand="set",
            **ADMIN,
        )
        assert description(body) == f"Unknown time zone “Europe/{'A' * 92}…”. Try e.g. Asia/Shanghai."

        body = await reply(
            server, "digest", {"channel": UNSEEN_CHANNEL, "time": "08:00"}, subcommand="set", **ADMIN
        )
        assert description(body) == (
            "I cannot see that channel. Give me View Channel, Send Messages and Embed Links there."
        )
