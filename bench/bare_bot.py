"""The baseline: a bare discord.py bot whose /summary answers a fixed string, pointed like ours."""

from __future__ import annotations

import os

import discord
import yarl
from discord import app_commands


class Bare(discord.Client):
    """One command, one autocomplete, nothing else."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        """Register the commands the benchmark calls."""

        @self.tree.command(name="summary", description="fixed answer")
        async def summary(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("A fixed answer.")

        @self.tree.command(name="people", description="fixed choices")
        async def people(interaction: discord.Interaction, name: str | None = None) -> None:
            await interaction.response.send_message("A fixed answer.")

        @people.autocomplete("name")
        async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name="Lin Junyang", value="lin-junyang")]


def main() -> None:
    """Run against DISCORD_API_BASE and DISCORD_GATEWAY_URL, as the briefing bot does."""
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"].rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    Bare().run(os.environ["DISCORD_TOKEN"], log_handler=None)


if __name__ == "__main__":
    main()
