"""The metrics and health endpoint of a running bot: off by default, Prometheus text when asked for."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import psutil

from tests.e2e.bot_process import running_bot
from tests.e2e.conftest import ask
from tests.e2e.discord_server import LoopbackDiscord


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def value(text: str, name: str) -> float:
    """A sample's value from Prometheus text, by its full name and labels."""
    line = next(line for line in text.splitlines() if line.startswith(name + " "))
    return float(line.rsplit(" ", 1)[1])


async def test_metrics_count_what_the_process_did(tmp_path: Path) -> None:
    port = free_port()
    async with (
        LoopbackDiscord() as server,
        running_bot(server, tmp_path, METRICS_PORT=str(port)),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http,
    ):
        for _ in range(50):  # the endpoint starts with the extension, a moment before READY is handled
            if (await http.get("/health")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert (await http.get("/health")).text == "ok\n"
        await ask(server, "summary")
        await ask(server, "people", {"name": "lin"})
        await asyncio.sleep(4)  # each answer is judged once Discord's three seconds have passed
        text = (await http.get("/metrics")).text
    assert value(text, "briefing_shards_connected") == 1
    assert value(text, 'briefing_interactions_total{result="answered"}') == 2
    assert value(text, 'briefing_interactions_total{result="failed"}') == 0
    assert value(text, 'briefing_digests_total{outcome="sent"}') == 0
    assert "briefing_gateway_latency_seconds" in text
    assert value(text, "briefing_rate_limit_waits_total") == 0


async def test_no_endpoint_unless_a_port_is_set(tmp_path: Path) -> None:
    async with LoopbackDiscord() as server, running_bot(server, tmp_path) as bot:
        await ask(server, "summary")
        assert bot.process is not None
        sockets = psutil.Process(bot.process.pid).net_connections(kind="tcp")
    assert [c for c in sockets if c.status == psutil.CONN_LISTEN] == []  # it listens on nothing
