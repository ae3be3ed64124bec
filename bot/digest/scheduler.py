"""The digest scheduler: sleeps until the next due digest, posts from a rate-limited queue, once a day."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.answers import Briefer
from bot.core.language import Language
from bot.core.layout import FOOTER, View, pack_messages
from bot.digest.compose import compose
from bot.digest.schedule import UTC, local_date, next_due, occurrence, parse_hhmm
from bot.store import Claim, DigestRow, PauseReason, Store, StoreUnavailable

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
RETRY_DELAYS = (30, 60, 120, 300, 600, 1800)  # seconds between tries after a transient failure
UNEXPECTED_RETRY = dt.timedelta(minutes=30)
STORE_RETRY = 5.0  # seconds before a server whose store call failed is looked at again
# A digest held up (a locked store, a short outage) past midnight is still posted for its own day if
# it is at most this late; a longer gap gives that day up, as after a long downtime.
LATE_GRACE = dt.timedelta(hours=2)
CYCLE = "digest scheduler"


class Outcome(enum.Enum):
    """What one due digest came to."""

    SENT = "sent"
    EMPTY = "empty"  # nothing new to post that day
    DONE = "done"  # already posted for that day
    SKIPPED = "skipped"  # an earlier day missed while down; today's time has not come yet
    PAUSED = "paused"  # the channel is gone or forbidden
    RETRY = "retry"  # a transient failure; tried again later the same day


class Gone(Exception):
    """The channel cannot be posted in (403 or 404): the digest pauses until it is set again."""

    def __init__(self, reason: PauseReason) -> None:
        super().__init__(reason)
        self.reason: PauseReason = reason


class Transient(Exception):
    """A 5xx or a time-out: worth trying again later the same day."""


class Delivery(Protocol):
    """What the scheduler needs from a chat front end."""

    async def language(self, guild_id: int) -> Language:
        """The server's language, resolved without a reader."""
        ...

    async def post(self, channel_id: int, views: Sequence[View], nonce: str) -> None:
        """Post one message; the same nonce twice must not make two messages (Discord's enforce_nonce)."""
        ...

    async def find_post(self, channel_id: int, nonce: str, since: dt.datetime) -> bool | None:
        """Whether the channel holds our message marked with `nonce` posted since then; None if unknown.

        Discord forgets a nonce after a few minutes, so a digest resumed after a longer crash looks for
        its own message instead of trusting the nonce.
        """
        ...


class RateLimiter:
    """A token bucket shared by every post, so a crowd of servers stays under the global limit."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._next = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait for the next free slot."""
        async with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + self.interval
        if wait > 0:
            await asyncio.sleep(wait)


def nonce_for(guild_id: int, day: str) -> str:
    """A stable nonce for a server's digest of a day (Discord allows 25 characters)."""
    return "d" + hashlib.sha256(f"{guild_id}:{day}".encode()).hexdigest()[:20]


MARK_ROOM = 32  # " · " and a nonce of at most 25 characters, kept free in every digest message


def mark(views: Sequence[View], nonce: str) -> list[View]:
    """The message with its nonce in the last footer, so the bot can find its own post again later."""
    *head, last = views
    kept = last.footer[: FOOTER - MARK_ROOM]
    footer = " · ".join(part for part in (kept, nonce) if part)
    return [*head, replace(last, footer=footer)]


def marked(footer: str, nonce: str) -> bool:
    """Whether a footer carries a digest nonce mark."""
    return footer == nonce or footer.endswith(f" · {nonce}")


def utc_now() -> dt.datetime:
    """The real clock."""
    return dt.datetime.now(UTC)


class DigestScheduler:
    """Sleeps until the next due digest, then posts the due ones from a queue."""

    def __init__(
        self,
        store: Store,
        briefer: Briefer,
        delivery: Delivery,
        clock: Clock = utc_now,
        per_second: float = 45.0,
        workers: int = 16,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        on_cycle: Callable[[str], None] | None = None,
        store_retry: float = STORE_RETRY,
    ) -> None:
        self.store = store
        self.briefer = briefer
        self.delivery = delivery
        self.clock = clock
        self.limiter = RateLimiter(per_second)
        self.workers = workers
        self._queue: asyncio.Queue[DigestRow] = asyncio.Queue()
        self._inflight: set[int] = set()
        self._wake = asyncio.Event()
        self._retries: dict[tuple[int, str], int] = {}
        self.on_cycle = on_cycle or (lambda _name: None)  # told after every completed loop cycle
        self.store_retry = store_retry

    def wake(self) -> None:
        """Look at the schedule again now (a digest was set, moved or turned off)."""
        self._wake.set()

    async def run(self) -> None:
        """The loop: queue what is due, then sleep until the next due time or a wake-up; it never stops."""
        workers = [asyncio.create_task(self._work()) for _ in range(self.workers)]
        failures = 0
        try:
            while True:
                for i, task in enumerate(workers):
                    if task.done():  # cannot happen by design; if it does, the queue must not starve
                        log.error("a digest worker stopped (%r); starting another", task)
                        workers[i] = asyncio.create_task(self._work())
                try:
                    await self.enqueue_due()
                    now = self.clock()
                    upcoming = await self.store.next_digest_after(now)
                    delay = 60.0 if upcoming is None else (upcoming - now).total_seconds()
                    failures = 0
                    self.on_cycle(CYCLE)
                except StoreUnavailable as exc:
                    # Due digests stay due in the store: they go out once it answers again, not lost.
                    failures += 1
                    delay = min(self.store_retry * failures, 60.0)
                    log.warning(
                        "digest scheduler: the store is unavailable (%s); trying again in %gs", exc, delay
                    )
                except Exception:
                    failures += 1
                    delay = min(self.store_retry * failures, 60.0)
                    log.exception("digest scheduler: a cycle failed; trying again in %gs", delay)
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), max(0.05, min(delay, 60.0)))
        finally:
            for task in workers:
                task.cancel()

    async def enqueue_due(self) -> int:
        """Queue every digest due now that is not already being posted."""
        count = 0
        for row in await self.store.due_digests(self.clock()):
            if row.guild_id not in self._inflight:
                self._inflight.add(row.guild_id)
                self._queue.put_nowait(row)
                count += 1
        return count

    async def drain(self) -> None:
        """Post everything queued (for tests and the benchmark, which run without the loop)."""
        workers = [asyncio.create_task(self._work()) for _ in range(self.workers)]
        await self._queue.join()
        for task in workers:
            task.cancel()

    async def _work(self) -> None:
        while True:
            row = await self._queue.get()
            try:
                await self._deliver_one(row)
            finally:
                self._inflight.discard(row.guild_id)
                self._queue.task_done()
                self._wake.set()

    async def _deliver_one(self, row: DigestRow) -> None:
        """Deliver one server's digest; whatever goes wrong is logged, and the worker carries on."""
        try:
            await self.deliver(row)
        except StoreUnavailable as exc:
            # Left due: held back a moment (still in flight, so not queued again), then tried afresh.
            log.warning("digest for server %s waits: the store is unavailable (%s)", row.guild_id, exc)
            await asyncio.sleep(self.store_retry)
        except Exception:  # one server's failure must never stop the others
            log.exception("digest for server %s failed", row.guild_id)
            try:
                # Not due again at once: an unexpected error would otherwise repeat on every wake-up.
                await self.store.reschedule_digest(row.guild_id, self.clock() + UNEXPECTED_RETRY)
            except Exception as exc:
                log.warning("digest for server %s could not be rescheduled: %s", row.guild_id, exc)
                await asyncio.sleep(self.store_retry)

    async def _already_posted(self, row: DigestRow, nonce: str, claim: Claim) -> bool:
        """For a claim left unfinished by an earlier run: whether the channel already holds this part."""
        try:
            found = await self.delivery.find_post(row.channel_id, nonce, claim.claimed_at or self.clock())
        except (Gone, Transient) as exc:
            found = None
            log.warning("digest for server %s: could not read the channel's history: %r", row.guild_id, exc)
        if found is None:
            # Unknown: send with the nonce, which still prevents a duplicate inside Discord's window.
            return False
        return found

    async def deliver(self, row: DigestRow) -> Outcome:
        """Post one server's due digest at most once for its local date; return what happened."""
        zone = ZoneInfo(row.zone)
        at = parse_hhmm(row.at)
        if at is None or row.next_due is None:  # stored only after parse_hhmm accepted it; due rows have one
            raise ValueError(f"digest of server {row.guild_id} has no valid time: {row.at!r}")
        now = self.clock()
        today = local_date(now, zone)
        day = local_date(row.next_due, zone)
        if day < today and now - row.next_due > LATE_GRACE:
            # Down over a due time: an earlier day is not posted; today's is, if its time has come.
            if occurrence(today, at, zone) > now:
                await self.store.reschedule_digest(row.guild_id, occurrence(today, at, zone))
                return Outcome.SKIPPED
            day = today
        key = day.isoformat()
        if row.last_date is not None and row.last_date >= key:
            await self.store.reschedule_digest(row.guild_id, next_due(now, at, zone, posted_for=day))
            return Outcome.DONE
        claim = await self.store.claim_digest(row.guild_id, key, nonce_for(row.guild_id, key), now)
        following = next_due(now, at, zone, posted_for=day)
        if claim.state != "sending":
            await self.store.reschedule_digest(row.guild_id, following)
            return Outcome.DONE
        language = await self.delivery.language(row.guild_id)
        views, included = compose(self.briefer, language, await self.store.seen_versions(row.guild_id))
        if not views:
            await self.store.finish_digest(row.guild_id, key, "empty", {}, following, now)
            return Outcome.EMPTY
        messages = pack_messages(views, reserve=MARK_ROOM)
        try:
            for index in range(claim.parts_sent, len(messages)):
                nonce = f"{claim.nonce}-{index}"
                if claim.resumed and await self._already_posted(row, nonce, claim):
                    log.info("digest for server %s: part %d was posted before a restart", row.guild_id, index)
                else:
                    await self.limiter.acquire()
                    await self.delivery.post(row.channel_id, mark(messages[index], nonce), nonce)
                await self.store.digest_part_sent(row.guild_id, key, index + 1)
        except Gone as gone:
            await self.store.pause_digest(row.guild_id, gone.reason)
            return Outcome.PAUSED
        except Transient:
            tries = self._retries.get((row.guild_id, key), 0)
            retry_at = now + dt.timedelta(seconds=RETRY_DELAYS[min(tries, len(RETRY_DELAYS) - 1)])
            self._retries[(row.guild_id, key)] = tries + 1
            # Tried again within the same local day only; after that the day is given up.
            await self.store.reschedule_digest(
                row.guild_id, retry_at if local_date(retry_at, zone) == day else following
            )
            return Outcome.RETRY
        self._retries.pop((row.guild_id, key), None)
        await self.store.finish_digest(row.guild_id, key, "sent", included, following, self.clock())
        return Outcome.SENT
