"""The studio's local HTTP server: its own page assets and rendered content, read-only, nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import Awaitable, Callable
from importlib import resources

from aiohttp import web

from bot.core.content import Card
from bot.core.layout import COLOUR
from bot.studio.render import page_html, problems_html, stories_html, story_html
from bot.studio.state import Studio

STUDIO = web.AppKey("studio", Studio)
ASSETS = web.AppKey("assets", dict)
HOSTS = web.AppKey("hosts", frozenset)  # the names the studio answers to; empty: any
KEEP_ALIVE = 15.0  # seconds between comments on an idle event stream, so proxies and browsers keep it
_TYPES = {".css": "text/css", ".js": "text/javascript"}
# No inline script or style anywhere: even markup that escaped escaping could run nothing.
_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _assets() -> dict[str, tuple[bytes, str]]:
    """The page's own files, read once: the only files the server ever sends."""
    folder = resources.files("bot.studio") / "assets"
    found = {}
    for name in ("studio.css", "studio.js"):
        text = (folder / name).read_text(encoding="utf-8")
        text = text.replace("#CARD_COLOUR", f"#{COLOUR:06x}")  # the embeds' bar is the bot's colour
        found[name] = (text.encode("utf-8"), _TYPES[name[name.rindex(".") :]])
    return found


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Only reads, only for pages opened at the studio's own address, each answer with a strict policy."""
    if request.method not in ("GET", "HEAD"):
        raise web.HTTPMethodNotAllowed(request.method, ["GET", "HEAD"])
    allowed = request.app[HOSTS]
    if allowed and request.host.rsplit(":", 1)[0] not in allowed:
        raise web.HTTPForbidden(text="This studio answers only to its own address.")
    response = await handler(request)
    response.headers["Content-Security-Policy"] = _POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _card(studio: Studio, card_id: str | None) -> Card | None:
    """A story of the last good load: the one asked for, or the bot's default; None if it is not there."""
    briefer = studio.snapshot.briefer
    if briefer is None:
        return None
    if card_id is None:
        return briefer.find_story(None)
    return next((card for card in briefer.library.cards if card.id == card_id), None)


async def _index(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    return web.Response(text=page_html(studio.snapshot, _card(studio, None)), content_type="text/html")


async def _story(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    card = _card(studio, request.match_info["id"])
    if card is None:
        raise web.HTTPNotFound(text="No such story in the last good load.")
    return web.Response(text=page_html(studio.snapshot, card), content_type="text/html")


async def _state(request: web.Request) -> web.Response:
    """The parts of a page that change when files change, for the page to swap in without a reload."""
    studio = request.app[STUDIO]
    snapshot = studio.snapshot
    card = _card(studio, request.match_info["id"])
    story = (
        story_html(snapshot, card) if card is not None else "<p>This story is not in the last good load.</p>"
    )
    body = {
        "version": snapshot.version,
        "problems": problems_html(snapshot),
        "stories": stories_html(snapshot, card.id if card else None),
        "story": story,
    }
    return web.Response(text=json.dumps(body, ensure_ascii=False), content_type="application/json")


async def _events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: the snapshot's version now, then each time it changes."""
    studio = request.app[STUDIO]
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
    await response.prepare(request)
    version = studio.snapshot.version
    with contextlib.suppress(ConnectionResetError):
        await response.write(f"event: version\ndata: {version}\n\n".encode())
        while True:
            try:
                async with asyncio.timeout(KEEP_ALIVE):
                    version = await studio.newer_than(version)
            except TimeoutError:
                await response.write(b": still here\n\n")
                continue
            await response.write(f"event: version\ndata: {version}\n\n".encode())
    return response


async def _asset(request: web.Request) -> web.Response:
    # A fixed table of names, never a path joined from the request: nothing else can be reached.
    found = request.app[ASSETS].get(request.match_info["name"])
    if found is None:
        raise web.HTTPNotFound()
    body, content_type = found
    return web.Response(body=body, content_type=content_type, headers={"Cache-Control": "no-cache"})


def make_app(studio: Studio, host: str = "127.0.0.1") -> web.Application:
    """The studio's routes; every other path is a 404."""
    app = web.Application(middlewares=[_guard])
    app[STUDIO] = studio
    app[ASSETS] = _assets()
    # On loopback, only loopback names: a site that points its own name at 127.0.0.1 must not read the
    # studio. Served on another interface (STUDIO_HOST), it is meant to be reached by other names.
    app[HOSTS] = frozenset(_LOOPBACK_NAMES) if host in _LOOPBACK_NAMES else frozenset()
    app.router.add_get("/", _index)
    app.router.add_get("/story/{id}", _story)
    app.router.add_get("/state/{id}", _state)
    app.router.add_get("/events", _events)
    app.router.add_get("/assets/{name}", _asset)
    return app


async def run_studio(studio: Studio, host: str, port: int, ready: Callable[[str], None]) -> int:
    """Serve until SIGINT or SIGTERM, watching the folders; `ready` gets the page's address."""
    app = make_app(studio, host)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        print(f"The studio cannot listen on {host}:{port}: {exc.strerror or exc}")
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watcher = asyncio.create_task(studio.watch(stop))
    # The watcher's first step puts its watches on the folders; loading after that means no save
    # can fall between what was loaded and what is watched.
    await asyncio.sleep(0)
    await studio.reload_and_tell()
    bound = runner.addresses[0][1]
    shown = f"[{host}]" if ":" in host else host
    ready(f"http://{shown}:{bound}/")
    await stop.wait()
    await watcher
    await runner.cleanup()
    return 0
