"""The baseline: a bare discord.py bot whose /summary answers a fixed string, pointed like ours.

For clicks, /buttons answers with two buttons that, like ours, keep working after a restart (discord.py's
`DynamicItem`): "简体中文" answers privately and "Next" edits the message, each with a fixed string, so a
click on ours is compared with the least discord.py does to answer the same click.

As a control, BARE_REPLIES holds replies of ours saved by the benchmark: /summary and /people then send
our embeds with the two buttons, and the buttons answer as ours did, with our embeds. What that costs is
what carrying messages of our size costs discord.py, told apart from what making them costs us.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import discord
import yarl
from discord import app_commands

FIXED = "A fixed answer."
# Saved replies of ours, by what they answered: "summary", "people", "language" (a click) and "next".
REPLIES: dict[str, Any] = json.loads(os.environ.get("BARE_REPLIES", "{}"))
EMBEDS = {name: [discord.Embed.from_dict(e) for e in r["data"]["embeds"]] for name, r in REPLIES.items()}


async def answer_as_ours(interaction: discord.Interaction[Any], name: str) -> None:
    """Answer as our saved reply did: the same embeds, sent or edited in, privately or not."""
    reply = REPLIES[name]
    if reply["type"] == 7:  # UPDATE_MESSAGE: the click edited the message it was on
        await interaction.response.edit_message(embeds=EMBEDS[name], view=buttons())
    else:
        private = bool(reply["data"].get("flags", 0) & 64)
        await interaction.response.send_message(embeds=EMBEDS[name], view=buttons(), ephemeral=private)


class FixedButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"bare:(?P<action>[ln])"):
    """A persistent button answering with the fixed string: privately (l) or by editing (n)."""

    def __init__(self, action: str) -> None:
        label = "简体中文" if action == "l" else "Next"
        super().__init__(discord.ui.Button(label=label, custom_id=f"bare:{action}"))
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FixedButton:
        """Rebuild the button from its custom_id."""
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Answer the click."""
        saved = "language" if self.action == "l" else "next"
        if saved in REPLIES:
            await answer_as_ours(interaction, saved)
        elif self.action == "l":
            await interaction.response.send_message(FIXED, ephemeral=True)
        else:
            await interaction.response.edit_message(content=FIXED)


def buttons() -> discord.ui.View:
    """The two buttons every answer carries."""
    view = discord.ui.View(timeout=None)
    view.add_item(FixedButton("l"))
    view.add_item(FixedButton("n"))
    return view


class Bare(discord.Client):
    """Two commands, one autocomplete, two buttons, nothing else."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        """Register the commands and buttons the benchmark calls."""
        self.add_dynamic_items(FixedButton)

        @self.tree.command(name="summary", description="fixed answer")
        async def summary(interaction: discord.Interaction) -> None:
            if "summary" in REPLIES:
                await answer_as_ours(interaction, "summary")
            else:
                await interaction.response.send_message(FIXED)

        @self.tree.command(name="people", description="fixed choices")
        async def people(
            interaction: discord.Interaction, name: str | None = None, story: str | None = None
        ) -> None:
            if "people" in REPLIES:
                await answer_as_ours(interaction, "people")
            else:
                await interaction.response.send_message(FIXED)

        @self.tree.command(name="buttons", description="fixed answer with two buttons")
        async def with_buttons(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(FIXED, view=buttons())

        # A control: with BARE_CHOICES=25, autocomplete answers as many fixed choices as ours lists, each
        # labelled in two scripts as ours are, so the cost of sending a full list is told apart from ours.
        choices = [
            app_commands.Choice(name=f"Lin Junyang {i} (林俊阳)", value=f"bench-person-{i}")
            for i in range(int(os.environ.get("BARE_CHOICES", "1")))
        ] or [app_commands.Choice(name="Lin Junyang", value="lin-junyang")]

        @people.autocomplete("name")
        async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return choices


def main() -> None:
    """Run against DISCORD_API_BASE and DISCORD_GATEWAY_URL, as the briefing bot does."""
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"].rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    Bare().run(os.environ["DISCORD_TOKEN"], log_handler=None)


if __name__ == "__main__":
    main()
