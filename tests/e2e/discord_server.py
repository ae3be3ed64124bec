"""A small Discord-compatible server on 127.0.0.1: the REST routes and gateway a discord.py bot uses."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import re
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

GUILD_ID = 700000000000000001
CHANNEL_ID = 700000000000000002
OTHER_CHANNEL_ID = 700000000000000003
FORUM_ID = 700000000000000004
NEWS_ID = 700000000000000005
VOICE_ID = 700000000000000006
READERS_ROLE_ID = 700000000000000020
TEXT, VOICE, NEWS, FORUM, PUBLIC_THREAD = 0, 2, 5, 15, 11  # Discord's channel types
MANAGE_CHANNELS = 1 << 4
ADMIN_ID = 700000000000000010
MEMBER_ID = 700000000000000011
BOT_ID = 700000000000000100
APP_ID = BOT_ID
MANAGE_GUILD = 1 << 5
EVERYONE_PERMISSIONS = 0x0000_0000_0006_4C40  # view, send, embed, attach, read history, use app commands
TIMESTAMP = "2026-03-05T08:00:00.000000+00:00"
DISCORD_EPOCH_MS = 1420070400000
CROSSPOSTED = 1 << 0  # message flag set once published to following channels

# Fields a channel of each kind carries besides the common ones (discord.py reads them).
CHANNEL_EXTRAS: dict[int, dict[str, Any]] = {
    VOICE: {"bitrate": 64000, "user_limit": 0, "rtc_region": None},
    FORUM: {
        "available_tags": [],
        "default_reaction_emoji": None,
        "default_sort_order": None,
        "default_forum_layout": 0,
        "default_thread_rate_limit_per_user": 0,
        "flags": 0,
    },
}

_ids = itertools.count()
DISCORD_EPOCH_MS = 1420070400000


def snowflake() -> str:
    """A fresh id, unique within the process, made of the current time as Discord's are.

    discord.py turns `history(after=<datetime>)` into an id by the same rule, so ids must carry time.
    """
    return str(((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(_ids) % (1 << 22)))


@dataclass
class Request:
    """One REST call as the server received it."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    at: float
    peer_port: int = 0  # the client's port: tells which process sent it


@dataclass(frozen=True)
class RoleRef:
    """A role given as a command option (Discord sends its id and resolves the role)."""

    id: int
    name: str = "Readers"


@dataclass(frozen=True)
class ChannelRef:
    """A channel option of a given type and server, for options a real client would never send."""

    id: int
    type: int = TEXT
    guild_id: int = 0  # 0: this server


def snowflake_at(when: dt.datetime) -> str:
    """An id as Discord would have given it at a moment, so a message can be made old."""
    return str((int(when.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22)


def aged(message: dict[str, Any], days: float) -> dict[str, Any]:
    """A copy of a message as it would come back `days` later: id and timestamp from back then."""
    then = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    return {**message, "id": snowflake_at(then), "timestamp": then.isoformat()}


@dataclass
class Fault:
    """Answer matching requests with an error status, a number of times."""

    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float = 0.2
    message: str | None = None  # the error's text, e.g. one that echoes the request URL back


@dataclass
class Callback:
    """An interaction's answer, with the moment it arrived."""

    body: dict[str, Any]
    at: float


@dataclass
class InteractionHandle:
    """What a test holds after dispatching an interaction."""

    server: LoopbackDiscord
    payload: dict[str, Any]
    sent_at: float

    @property
    def token(self) -> str:
        return self.payload["token"]

    async def response(self, timeout: float = 5.0) -> Callback:
        """The interaction callback, waiting for it to arrive."""
        return await self.server.wait_for(lambda: self.server.callbacks.get(self.payload["id"]), timeout)

    def webhook_calls(self) -> list[Request]:
        """Follow-ups and edits made with this interaction's token."""
        return [r for r in self.server.requests if f"/{self.token}" in r.path and "/webhooks/" in r.path]


def user_object(user_id: int, name: str, bot: bool = False) -> dict[str, Any]:
    """A user as Discord sends it."""
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
    }


def member_object(
    user_id: int, name: str, permissions: int | None = None, bot: bool = False
) -> dict[str, Any]:
    """A guild member; `permissions` is what interactions carry for the invoking member."""
    member: dict[str, Any] = {
        "user": user_object(user_id, name, bot),
        "roles": [],
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "pending": False,
    }
    if permissions is not None:
        member["permissions"] = str(permissions)
    return member


class LoopbackDiscord:
    """REST and gateway on one random port; every request is recorded for the tests to inspect."""

    def __init__(
        self,
        token: str = "loopback-token",
        guild_locale: str = "en-US",
        global_rate_limit: int | None = None,
        channels: tuple[int, ...] = (CHANNEL_ID, OTHER_CHANNEL_ID),
        channel_types: dict[int, int] | None = None,
        guilds: tuple[int, ...] = (),
        shards: int = 1,
        guild_locales: dict[int, str] | None = None,
    ) -> None:
        self.token = token
        # GUILD_ID has `channels`; each further guild has one text channel, its id plus one.
        self.guild_ids = (GUILD_ID, *guilds)
        self.guild_locales = guild_locales or {}
        self.shard_count = shards
        self.shard_of_socket: dict[web.WebSocketResponse, int] = {}
        self.guild_locale = guild_locale
        self.global_rate_limit = global_rate_limit
        self.channels = set(channels) | {g + 1 for g in guilds}
        self._channel_guild = {c: GUILD_ID for c in channels} | {g + 1: g for g in guilds}
        # Channels of other kinds (announcement, forum, voice) belong to GUILD_ID.
        self._channel_guild |= {c: GUILD_ID for c in channel_types or {}}
        self.channel_types: dict[int, int] = {c: TEXT for c in self.channels} | (channel_types or {})
        self.channels |= set(self.channel_types)
        self.threads: list[dict[str, Any]] = []  # forum posts, listed in GUILD_CREATE as Discord does
        self.crossposts: list[str] = []  # ids of messages published to following channels
        self.requests: list[Request] = []
        self.callbacks: dict[str, Callback] = {}
        self.dispatched: dict[str, float] = {}
        self.messages: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.command_puts = 0
        self.double_callbacks = 0
        self.identifies = 0
        self.faults: list[Fault] = []
        self.rate_limited = 0
        self.nonces: dict[tuple[str, str], dict[str, Any]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}  # name -> (body, ETag), served under /files/
        self.file_requests: list[dict[str, str]] = []
        # name -> handler answering /files/<name> itself (a slow body, a redirect, an endless stream).
        self.file_handlers: dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]] = {}
        self.on_post: Callable[[Request], None] | None = None  # called as a channel message is created
        # Called as a channel message request arrives; returning True drops it (no message is created).
        self.before_post: Callable[[Request], bool] | None = None
        self._window: list[float] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self._ready = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------------

    async def __aenter__(self) -> LoopbackDiscord:
        app = web.Application()
        app.router.add_get("/", self._gateway)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        # The same API behind a path prefix, as a proxy with a key in its path would serve it.
        app.router.add_route("*", "/proxy/{key}/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for ws in list(self._sockets):
            await ws.close()
        assert self._runner is not None
        await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def env(self) -> dict[str, str]:
        """The environment a bot needs to reach this server."""
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
        }

    async def wait_for(self, probe: Callable[[], Any], timeout: float) -> Any:
        """Wait until `probe()` is truthy (re-checked on every request or gateway event)."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not (value := probe()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("loopback Discord: condition not met in time")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    continue
            return value

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait for a client to identify and receive READY and its guild."""
        await asyncio.wait_for(self._ready.wait(), timeout)

    def fail(
        self,
        method: str,
        path_pattern: str,
        status: int,
        times: int = 1,
        retry_after: float = 0.2,
        message: str | None = None,
    ) -> None:
        """Make the next `times` matching requests fail with `status` (and `message`, if given)."""
        self.faults.append(Fault(method, re.compile(path_pattern), status, times, retry_after, message))

    # --- objects ---------------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return user_object(BOT_ID, "Briefing", bot=True)

    def shard_of(self, guild_id: int) -> int:
        """The shard a guild's events go to, by Discord's formula."""
        return (guild_id >> 22) % self.shard_count

    def main_channel(self, guild_id: int) -> int:
        """The channel interactions of a guild come from."""
        return CHANNEL_ID if guild_id == GUILD_ID else guild_id + 1

    def guild_object(self, guild_id: int = GUILD_ID) -> dict[str, Any]:
        own = sorted(c for c, g in self._channel_guild.items() if g == guild_id)
        channels = [
            {
                "id": str(cid),
                "type": self.channel_types.get(cid, TEXT),
                "name": f"channel-{i}",
                "position": i,
                "permission_overwrites": [],
                "nsfw": False,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "parent_id": None,
                **CHANNEL_EXTRAS.get(self.channel_types.get(cid, TEXT), {}),
            }
            for i, cid in enumerate(own)
        ]
        return {
            "id": str(guild_id),
            "name": "Loopback Server",
            "icon": None,
            "owner_id": str(ADMIN_ID),
            "roles": [
                {
                    "id": str(guild_id),
                    "name": "@everyone",
                    "permissions": str(EVERYONE_PERMISSIONS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
                {
                    "id": str(READERS_ROLE_ID),
                    "name": "Readers",
                    "permissions": "0",
                    "position": 1,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": True,
                    "flags": 0,
                },
            ],
            "channels": channels,
            "members": [member_object(BOT_ID, "Briefing", bot=True)],
            "member_count": 3,
            "preferred_locale": self.guild_locales.get(guild_id, self.guild_locale),
            "features": [],
            "emojis": [],
            "stickers": [],
            "threads": self.threads if guild_id == GUILD_ID else [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "voice_states": [],
            "presences": [],
            "large": False,
            "unavailable": False,
            "joined_at": TIMESTAMP,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_flags": 0,
            "afk_timeout": 300,
        }

    def message_object(
        self, channel_id: str, body: dict[str, Any], author: dict[str, Any] | None = None
    ) -> dict:
        content = body.get("content") or ""
        return {
            "id": snowflake(),
            "channel_id": str(channel_id),
            "guild_id": str(self._channel_guild.get(int(channel_id), GUILD_ID)),
            "author": author or self.bot_user(),
            "content": content,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            **pings(content, body.get("allowed_mentions")),
            "mentions": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags") or 0,
            **({"nonce": body["nonce"]} if body.get("nonce") else {}),
        }

    # --- REST -----------------------------------------------------------------------------------

    def _json(self, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # discord.py parses a body only when the content type is exactly application/json.
        return web.Response(
            body=json.dumps(data).encode(),
            status=status,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    def _error(self, status: int, message: str, code: int = 0, retry_after: float = 0.2, glob: bool = False):
        if status == 429:
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(retry_after),
                "X-RateLimit-Global": str(glob).lower(),
            }
            if glob:
                headers["X-RateLimit-Scope"] = "global"
            body = {"message": message, "retry_after": retry_after, "global": glob}
            return self._json(body, 429, headers)
        return self._json({"message": message, "code": code}, status)

    async def _body(self, request: web.Request) -> Any:
        if request.content_type == "multipart/form-data":
            form = await request.post()
            raw = form.get("payload_json")
            return json.loads(raw) if isinstance(raw, str) else {}
        if request.can_read_body:
            text = await request.text()
            return json.loads(text) if text else None
        return None

    def _over_global_limit(self) -> float | None:
        if self.global_rate_limit is None:
            return None
        now = time.monotonic()
        self._window = [t for t in self._window if now - t < 1.0]
        if len(self._window) >= self.global_rate_limit:
            return max(0.001, 1.0 - (now - self._window[0]))
        self._window.append(now)
        return None

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await self._body(request)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        record = Request(
            request.method,
            path,
            dict(request.query),
            body,
            dict(request.headers),
            time.monotonic(),
            peer[1] if peer else 0,
        )
        self.requests.append(record)
        try:
            return await self._answer(request, path, body)
        finally:
            await self._notify()

    async def _answer(self, request: web.Request, path: str, body: Any) -> web.Response:
        method = request.method
        is_webhook = path.startswith(("/webhooks/", "/interactions/"))
        if not is_webhook and request.headers.get("Authorization") != f"Bot {self.token}":
            return self._error(401, "401: Unauthorized", 0)
        if (wait := self._over_global_limit()) is not None:
            self.rate_limited += 1
            return self._error(429, "You are being rate limited.", retry_after=wait, glob=True)
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and fault.pattern.search(path):
                fault.times -= 1
                message = (fault.message or f"injected {fault.status}").replace("{url}", str(request.url))
                return self._error(fault.status, message, retry_after=fault.retry_after)

        if method == "GET" and path == "/users/@me":
            return self._json(self.bot_user())
        if method == "GET" and path == "/oauth2/applications/@me":
            return self._json(
                {
                    "id": str(APP_ID),
                    "name": "Briefing",
                    "icon": None,
                    "description": "",
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": user_object(ADMIN_ID, "owner"),
                    "verify_key": "0" * 64,
                    "flags": 0,
                    "team": None,
                }
            )
        if method == "GET" and path in ("/gateway", "/gateway/bot"):
            limits = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
            return self._json(
                {"url": self.gateway_url, "shards": self.shard_count, "session_start_limit": limits}
            )
        if match := re.fullmatch(r"/applications/\d+(?:/guilds/(\d+))?/commands", path):
            scope = match.group(1) or "global"
            if method == "PUT":
                self.command_puts += 1
                stored = [
                    {**c, "id": snowflake(), "application_id": str(APP_ID), "version": snowflake()}
                    for c in body
                ]
                if scope != "global":
                    for c in stored:
                        c["guild_id"] = scope
                self.commands[scope] = stored
                return self._json(stored)
            return self._json(self.commands.get(scope, []))
        if match := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            return self._interaction_callback(match.group(1), body)
        if match := re.fullmatch(r"/webhooks/(\d+)/([^/]+)(?:/messages/(@original|\d+))?", path):
            if method == "DELETE":
                return web.Response(status=204)
            message = self.message_object(str(CHANNEL_ID), body or {})
            if match.group(3) is None:
                self.messages.append(message)
            return self._json(message)
        if match := re.fullmatch(r"/channels/(\d+)/threads", path):
            return await self._forum_post(int(match.group(1)), method, body or {})
        if match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/crosspost", path):
            return self._crosspost(int(match.group(1)), match.group(2))
        if match := re.fullmatch(r"/channels/(\d+)/messages", path):
            if int(match.group(1)) not in self.channels:
                return self._error(404, "Unknown Channel", 10003)
            if method == "POST" and self.channel_types.get(int(match.group(1))) in (FORUM, VOICE):
                return self._error(400, "Cannot send messages in a non-text channel", 50008)
            if method == "POST":
                if self.before_post is not None and self.before_post(self.requests[-1]):
                    return self._error(503, "dropped before it was accepted")
                body = body or {}
                key = (match.group(1), str(body.get("nonce")))
                # Like Discord: with enforce_nonce, a nonce seen recently returns the first message again.
                if body.get("enforce_nonce") and key in self.nonces:
                    return self._json(self.nonces[key])
                message = self.message_object(match.group(1), body)
                self.messages.append(message)
                if body.get("enforce_nonce"):
                    self.nonces[key] = message
                if self.on_post is not None:
                    self.on_post(self.requests[-1])
                return self._json(message)
            return self._json(self._history(match.group(1), request.query))
        if match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path):
            return self._json(self.message_object(match.group(1), body or {}))
        if match := re.fullmatch(r"/channels/(\d+)", path):
            if int(match.group(1)) not in self.channels:
                return self._error(404, "Unknown Channel", 10003)
            guild = self.guild_object(self._channel_guild.get(int(match.group(1)), GUILD_ID))
            return self._json(next(c for c in guild["channels"] if c["id"] == match.group(1)))
        return self._error(404, f"loopback: no route {method} {path}", 0)

    async def _forum_post(self, forum_id: int, method: str, body: dict[str, Any]) -> web.Response:
        """A new forum post: a thread and its first message, announced by THREAD_CREATE like Discord does."""
        if forum_id not in self.channels:
            return self._error(404, "Unknown Channel", 10003)
        if method != "POST" or self.channel_types.get(forum_id) != FORUM:
            return self._error(400, "Cannot start a thread without a message here", 50024)
        name = body.get("name") or ""
        if not 1 <= len(name) <= 100:
            return self._error(400, "Invalid Form Body: name must be 1 to 100 characters", 50035)
        if not isinstance(body.get("message"), dict):
            return self._error(400, "Invalid Form Body: a forum post needs a message", 50035)
        thread_id = snowflake()
        message = self.message_object(thread_id, body["message"])
        message["id"] = thread_id  # a forum post's first message has the thread's id
        thread = {
            "id": thread_id,
            "guild_id": str(GUILD_ID),
            "parent_id": str(forum_id),
            "owner_id": str(BOT_ID),
            "name": name,
            "type": PUBLIC_THREAD,
            "last_message_id": thread_id,
            "message_count": 1,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "applied_tags": body.get("applied_tags") or [],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration") or 4320,
                "archive_timestamp": TIMESTAMP,
                "locked": False,
            },
        }
        self.threads.append(thread)
        self.channels.add(int(thread_id))
        self.channel_types[int(thread_id)] = PUBLIC_THREAD
        self.messages.append(message)
        if self.on_post is not None:
            self.on_post(self.requests[-1])
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return self._json({**thread, "message": message})

    def _crosspost(self, channel_id: int, message_id: str) -> web.Response:
        """Publish a message to following channels: announcement channels only, each message once."""
        if channel_id not in self.channels:
            return self._error(404, "Unknown Channel", 10003)
        if self.channel_types.get(channel_id) != NEWS:
            return self._error(400, "Cannot execute action on this channel type", 50024)
        found = next(
            (m for m in self.messages if m["id"] == message_id and m["channel_id"] == str(channel_id)), None
        )
        if found is None:
            return self._error(404, "Unknown Message", 10008)
        if message_id in self.crossposts:
            return self._error(400, "This message has already been crossposted.", 40033)
        self.crossposts.append(message_id)
        found["flags"] = found.get("flags", 0) | CROSSPOSTED
        return self._json(found)

    def _history(self, channel_id: str, query: Any) -> list[dict[str, Any]]:
        """GET /channels/{id}/messages: the channel's messages, newest first, with `after`/`before`/`limit`."""
        found = [m for m in self.messages if m["channel_id"] == channel_id]
        if "after" in query:
            found = [m for m in found if int(m["id"]) > int(query["after"])]
        if "before" in query:
            found = [m for m in found if int(m["id"]) < int(query["before"])]
        found.sort(key=lambda m: int(m["id"]), reverse="after" not in query)
        found = found[: int(query.get("limit", 50))]
        # Like Discord, a page is always newest first; `after` picks the oldest ones above the id.
        return sorted(found, key=lambda m: int(m["id"]), reverse=True)

    def forget_nonces(self) -> None:
        """Let Discord's nonce window pass: a repeated nonce makes a new message again."""
        self.nonces.clear()

    def _interaction_callback(self, interaction_id: str, body: dict[str, Any]) -> web.Response:
        if interaction_id in self.callbacks:  # two processes on one shard both answered: Discord takes one
            self.double_callbacks += 1
            return self._error(400, "Interaction has already been acknowledged.", 40060)
        self.callbacks[interaction_id] = Callback(body, time.monotonic())
        kind = body["type"]
        data = body.get("data") or {}
        message = self.message_object(str(CHANNEL_ID), data) if kind in (4, 7) else None
        if message is not None:
            self.messages.append(message)
        return self._json(
            {
                "interaction": {
                    "id": interaction_id,
                    "type": 2,
                    "response_message_id": message["id"] if message else None,
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool(data.get("flags", 0) & 64),
                },
                "resource": {"type": kind, **({"message": message} if message else {})},
            }
        )

    async def _file(self, request: web.Request) -> web.Response:
        """A static file with an ETag, answering If-None-Match with 304 (for remote card packs)."""
        self.file_requests.append(dict(request.headers))
        handler = self.file_handlers.get(request.match_info["name"])
        if handler is not None:
            return await handler(request)
        found = self.files.get(request.match_info["name"])
        if found is None:
            return self._error(404, "no such file")
        body, etag = found
        # If-None-Match may list several ETags; any match means "not modified".
        if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"ETag": etag, "Content-Type": "application/json"})

    # --- gateway --------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                message = json.loads(frame.data)
                op = message.get("op")
                if op == 1:
                    await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:
                    await self._identify(ws, message["d"])
                elif op == 6:
                    await ws.send_json({"op": 9, "d": False, "s": None, "t": None})
        finally:
            self._sockets.remove(ws)
            self.shard_of_socket.pop(ws, None)
            if not self._sockets:
                self._ready.clear()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data.get("token") not in (self.token, f"Bot {self.token}"):
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identifies += 1
        shard, count = data.get("shard") or (0, 1)
        if count != self.shard_count and not (count == 1 and self.shard_count == 1):
            await ws.close(code=4010, message=b"Invalid shard.")  # as Discord answers a wrong count
            return
        self.shard_of_socket[ws] = shard
        guilds = [g for g in self.guild_ids if self.shard_of(g) == shard]
        await self._send_event(
            ws,
            "READY",
            {
                "v": 10,
                "user": self.bot_user(),
                "guilds": [{"id": str(g), "unavailable": True} for g in guilds],
                "shard": [shard, count],
                "session_id": snowflake(),
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(APP_ID), "flags": 0},
                "private_channels": [],
                "relationships": [],
            },
        )
        for guild in guilds:
            await self._send_event(ws, "GUILD_CREATE", self.guild_object(guild))
        self._ready.set()
        await self._notify()

    async def _send_event(self, ws: web.WebSocketResponse, name: str, data: dict[str, Any]) -> None:
        self._seq += 1
        await ws.send_json({"op": 0, "t": name, "s": self._seq, "d": data})

    async def dispatch(self, name: str, data: dict[str, Any]) -> None:
        """Send a gateway event to every connected client of the shard its guild belongs to."""
        guild = data.get("guild_id")
        for ws in list(self._sockets):
            if guild is None or self.shard_of_socket.get(ws) == self.shard_of(int(guild)):
                await self._send_event(ws, name, data)

    def connected_shards(self) -> list[int]:
        """The shard of every client connected now (a shard twice during a deploy overlap)."""
        return sorted(self.shard_of_socket.values())

    # --- what users do ------------------------------------------------------------------------------

    def interaction_payload(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user_id: int = MEMBER_ID,
        permissions: int = EVERYONE_PERMISSIONS,
        locale: str = "en-US",
        in_guild: bool = True,
        message: dict[str, Any] | None = None,
        channel_id: int | None = None,
        guild_id: int = GUILD_ID,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload as Discord builds it."""
        payload: dict[str, Any] = {
            "id": snowflake(),
            "application_id": str(APP_ID),
            "type": kind,
            "data": data,
            "token": f"tok-{snowflake()}",
            "version": 1,
            "locale": locale,
            "app_permissions": str(EVERYONE_PERMISSIONS),
            "entitlements": [],
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        if in_guild:
            channel_id = channel_id or self.main_channel(guild_id)
            thread = next((t for t in self.threads if t["id"] == str(channel_id)), None)
            payload.update(
                guild_id=str(guild_id),
                guild_locale=self.guild_locales.get(guild_id, self.guild_locale),
                channel_id=str(channel_id),
                # The partial channel Discord sends with an interaction, with the member's permissions in it.
                channel={**thread, "permissions": str(permissions)}
                if thread
                else {
                    "id": str(channel_id),
                    "type": self.channel_types.get(channel_id, TEXT),
                    "guild_id": str(guild_id),
                    "name": f"channel-{channel_id % 10}",
                    "position": 0,
                    "permissions": str(permissions),
                    "parent_id": None,
                    "nsfw": False,
                    "topic": None,
                    "flags": 0,
                    "rate_limit_per_user": 0,
                    "last_message_id": None,
                },
                member=member_object(user_id, f"user{user_id % 100}", permissions),
                authorizing_integration_owners={"0": str(guild_id)},
                context=0,
            )
        else:
            dm = str(900000000000000000 + user_id % 1000)
            payload.update(
                channel_id=dm,
                channel={"id": dm, "type": 1, "recipients": [user_object(user_id, "dm-user")]},
                user=user_object(user_id, "dm-user"),
                authorizing_integration_owners={"0": str(user_id)},
                context=1,
            )
        if message is not None:
            payload["message"] = message
        return payload

    async def command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        focused: str | None = None,
        **context: Any,
    ) -> InteractionHandle:
        """Invoke a slash command (or, with `focused`, ask for autocomplete on that option)."""

        # An int (or ChannelRef) is a channel option (type 7), a RoleRef a role (type 8), resolved the way
        # Discord resolves them: a channel with the invoking member's permissions in it.
        def option(name: str, value: Any) -> dict[str, Any]:
            kind = 7 if isinstance(value, int | ChannelRef) else 8 if isinstance(value, RoleRef) else 3
            raw = str(value.id if isinstance(value, ChannelRef | RoleRef) else value)
            shown = raw if kind != 3 else value
            return {"name": name, "type": kind, "value": shown} | (
                {"focused": True} if name == focused else {}
            )

        opts = [option(k, v) for k, v in (options or {}).items()]
        values = list((options or {}).values())
        channels = [
            v if isinstance(v, ChannelRef) else ChannelRef(v, -1)
            for v in values
            if isinstance(v, int | ChannelRef)
        ]
        roles = [v for v in values if isinstance(v, RoleRef)]
        permissions = context.get("permissions", EVERYONE_PERMISSIONS)
        if subcommand is not None:
            opts = [{"name": subcommand, "type": 1, "options": opts}]
        command_id = next(
            (c["id"] for cs in self.commands.values() for c in cs if c["name"] == name), snowflake()
        )
        data: dict[str, Any] = {"id": command_id, "name": name, "type": 1, "options": opts}
        resolved: dict[str, Any] = {}
        if channels:
            resolved["channels"] = {
                str(c.id): {
                    "id": str(c.id),
                    "type": c.type if c.type >= 0 else self.channel_types.get(c.id, TEXT),
                    "name": f"channel-{c.id % 10}",
                    "permissions": str(permissions),
                    "guild_id": str(c.guild_id or context.get("guild_id", GUILD_ID)),
                    "parent_id": None,
                }
                for c in channels
            }
        if roles:
            resolved["roles"] = {
                str(r.id): {
                    "id": str(r.id),
                    "name": r.name,
                    "permissions": "0",
                    "position": 1,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": True,
                    "flags": 0,
                }
                for r in roles
            }
        if resolved:
            data["resolved"] = resolved
        if context.get("in_guild", True):
            data["guild_id"] = str(context.get("guild_id", GUILD_ID))
        payload = self.interaction_payload(4 if focused else 2, data, **context)
        return await self._send_interaction(payload)

    async def click(
        self, message: dict[str, Any], label: str, *, settle: float = 0.3, **context: Any
    ) -> InteractionHandle:
        """Click the button with this label on a message the bot sent."""
        # discord.py registers a view only once the callback's HTTP response has reached it, a moment
        # after this server recorded the callback; a person is never that fast, a test can be. A
        # benchmark clicking a message already clicked once passes `settle=0`.
        await asyncio.sleep(settle)
        for row in message.get("components", []):
            for component in row.get("components", []):
                if component.get("label") == label:
                    data = {"custom_id": component["custom_id"], "component_type": 2}
                    payload = self.interaction_payload(3, data, message=message, **context)
                    return await self._send_interaction(payload)
        raise AssertionError(f"no button labelled {label!r} in {message.get('components')}")

    async def select(self, message: dict[str, Any], value: str, **context: Any) -> InteractionHandle:
        """Choose an option in the select menu of a message the bot sent."""
        for row in message.get("components", []):
            for component in row.get("components", []):
                if component.get("type") == 3:
                    assert value in [o["value"] for o in component["options"]], component["options"]
                    data = {"custom_id": component["custom_id"], "component_type": 3, "values": [value]}
                    payload = self.interaction_payload(3, data, message=message, **context)
                    return await self._send_interaction(payload)
        raise AssertionError(f"no select menu in {message.get('components')}")

    async def _send_interaction(self, payload: dict[str, Any]) -> InteractionHandle:
        handle = InteractionHandle(self, payload, time.monotonic())
        self.dispatched[payload["id"]] = handle.sent_at
        await self.dispatch("INTERACTION_CREATE", payload)
        return handle

    async def say(
        self, content: str, *, mentions_bot: bool = True, author_id: int = MEMBER_ID
    ) -> dict[str, Any]:
        """A member posts a message in the channel; returns what was dispatched."""
        message = self.message_object(str(CHANNEL_ID), {"content": content}, user_object(author_id, "member"))
        message["mentions"] = [user_object(BOT_ID, "Briefing", bot=True)] if mentions_bot else []
        message["member"] = {k: v for k, v in member_object(author_id, "member").items() if k != "user"}
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    def created(self, since: int = 0) -> list[Request]:
        """Requests that create or change a message, from the index `since` on."""
        pattern = re.compile(r"/callback$|/channels/\d+/messages|/webhooks/")
        return [r for r in self.requests[since:] if r.method in ("POST", "PATCH") and pattern.search(r.path)]


def pings(content: str, allowed: dict[str, Any] | None) -> dict[str, Any]:
    """Who a message's content pings, under its allowed_mentions, as Discord decides it."""
    # With no allowed_mentions everything in the content pings; with one, only what it allows.
    parse = ["everyone", "roles", "users"] if allowed is None else allowed.get("parse", [])
    listed = {str(r) for r in (allowed or {}).get("roles", [])}
    roles = [r for r in re.findall(r"<@&(\d+)>", content) if "roles" in parse or r in listed]
    everyone = "everyone" in parse and bool(re.search(r"@(everyone|here)", content))
    return {"mention_roles": list(dict.fromkeys(roles)), "mention_everyone": everyone}


def by_channel(requests: list[Request]) -> dict[str, list[Request]]:
    """Group message requests by channel id."""
    grouped: dict[str, list[Request]] = defaultdict(list)
    for r in requests:
        if match := re.search(r"/channels/(\d+)/messages", r.path):
            grouped[match.group(1)].append(r)
    return grouped


def embeds_of(body: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The embeds in a message or callback body."""
    if not body:
        return []
    data = body.get("data", body) if "type" in body and "data" in body else body
    return (data or {}).get("embeds") or []


def components_message(callback: Callback, server: LoopbackDiscord) -> dict[str, Any]:
    """The message the server created for a callback, so a test can click its buttons."""
    data = callback.body.get("data") or {}
    for message in reversed(server.messages):
        if message["components"] == (data.get("components") or []) and message["embeds"] == (
            data.get("embeds") or []
        ):
            return message
    raise AssertionError("no message for that callback")


__all__ = [
    "ADMIN_ID",
    "BOT_ID",
    "CHANNEL_ID",
    "FORUM",
    "FORUM_ID",
    "GUILD_ID",
    "MANAGE_CHANNELS",
    "MANAGE_GUILD",
    "MEMBER_ID",
    "NEWS",
    "NEWS_ID",
    "OTHER_CHANNEL_ID",
    "READERS_ROLE_ID",
    "VOICE",
    "VOICE_ID",
    "Callback",
    "ChannelRef",
    "InteractionHandle",
    "LoopbackDiscord",
    "RoleRef",
    "aged",
    "by_channel",
    "components_message",
    "embeds_of",
    "pings",
]
