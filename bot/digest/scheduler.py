"""The digest scheduler: sleeps until the next due digest, posts from a rate-limited queue, once a day."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import hashlib
import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.answers import Briefer
from bot.core.language import Language
from bot.core.layout import FOOTER, View, pack_messages
from bot.digest.compose import compose
from bot.digest.schedule import UTC, local_date, next_due, occurrence, parse_hhmm
from bot.store import Claim, DigestRow, PauseReason, Shards, Store, StoreUnavailable

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
RETRY_DELAYS = (30, 60, 120, 300, 600, 1800)  # seconds between tries after a transient failure
UNEXPECTED_RETRY = dt.timedelta(minutes=30)
LATE = dt.timedelta(minutes=1)  # a digest posted later than this after its time counts as late
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

    async def language(self, row: DigestRow) -> Language:
        """A digest's language (no reader): its own, the channel's, the server's, its locale, the default."""
        ...

    async def post(self, row: DigestRow, views: Sequence[View], nonce: str, day: dt.date) -> str | None:
        """Post one message of a digest's day in its channel; the same nonce twice must not make two.

        Returns a note when the message went out but a follow-up (publishing an announcement) failed.
        """
        ...

    async def find_post(self, channel_id: int, nonce: str, since: dt.datetime) -> bool | None:
        """Whether the channel holds our message marked with `nonce` posted since then; None if unknown.

        Discord forgets a nonce after a few minutes, so a digest resumed after a longer crash looks for
        its own message instead of trusting the nonce.
        """
        ...


class RateLimiter:
    """A budget of requests per second that every process of a deployment draws from together.

    The next free slot is kept in the store (one row, on the database's clock), so the sum of all
    processes' posts stays under Discord's global limit however many run, deploys included.
    """

    def __init__(self, store: Store, per_second: float, name: str = "discord-global") -> None:
        self.store = store
        self.interval = 1.0 / per_second
        self.name = name
        self.waits = 0  # how many posts had to wait for a slot
        self.waited = 0.0  # and for how long in all, in seconds

    async def acquire(self) -> None:
        """Book the next free slot and wait for it."""
        wait = await self.store.rate_slot(self.name, self.interval)
        if wait > 0:
            self.waits += 1
            self.waited += wait
            await asyncio.sleep(wait)


def nonce_for(guild_id: int, channel_id: int, day: str) -> str:
    """A stable nonce for a channel's digest of a day (Discord allows 25 characters)."""
    return "d" + hashlib.sha256(f"{guild_id}:{channel_id}:{day}".encode()).hexdigest()[:20]


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
        lease: float = 30.0,
        owner: str | None = None,
        shards: tuple[int, tuple[int, ...]] | None = None,
    ) -> None:
        self.store = store
        self.briefer = briefer
        self.delivery = delivery
        self.clock = clock
        self.limiter = RateLimiter(store, per_second)
        self.workers = workers
        # A digest taken from the schedule is this process's for `lease` seconds: long enough to post
        # what it queued, short enough that another process posts it soon if this one dies.
        self.lease = dt.timedelta(seconds=lease)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # (count, ids) when this process serves only some shards: it takes their digests, and another
        # shard's only once overdue by a lease, i.e. when the process serving that shard seems gone.
        self.shards = shards
        self.outcomes: Counter[Outcome] = Counter()
        self.late = 0  # digests posted more than LATE after their due time
        self._queue: asyncio.Queue[DigestRow] = asyncio.Queue()
        self._inflight: set[tuple[int, int]] = set()
        self._wake = asyncio.Event()
        self._retries: dict[tuple[int, int, str], int] = {}
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
                # Serving some shards only, another shard's due digests become ours a lease after their
                # time if nobody took them: look again at least that often.
                longest = self.lease.total_seconds() if self.shards else 60.0
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), max(0.05, min(delay, 60.0, longest)))
        finally:
            for task in workers:
                task.cancel()

    async def enqueue_due(self) -> int:
        """Lease and queue the due digests no other process holds, as many as the workers soon take."""
        room = self.workers * 2 - self._queue.qsize()
        if room <= 0:
            return 0
        now = self.clock()
        count = 0
        mine = Shards(self.shards[0], self.shards[1], now - self.lease) if self.shards else None
        for row in await self.store.lease_due(now, self.owner, now + self.lease, room, mine):
            if (row.guild_id, row.channel_id) not in self._inflight:
                self._inflight.add((row.guild_id, row.channel_id))
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
                self._inflight.discard((row.guild_id, row.channel_id))
                self._queue.task_done()
                self._wake.set()

    async def _deliver_one(self, row: DigestRow) -> None:
        """Deliver one channel's digest; whatever goes wrong is logged, and the worker carries on."""
        try:
            self.outcomes[await self.deliver(row)] += 1
        except StoreUnavailable as exc:
            # Left due: held back a moment (still in flight, so not queued again), then tried afresh.
            log.warning("digest for channel %s waits: the store is unavailable (%s)", row.channel_id, exc)
            await asyncio.sleep(self.store_retry)
        except Exception:  # one server's failure must never stop the others
            log.exception("digest for server %s, channel %s failed", row.guild_id, row.channel_id)
            try:
                # Not due again at once: an unexpected error would otherwise repeat on every wake-up.
                await self.store.reschedule_digest(
                    row.guild_id, row.channel_id, self.clock() + UNEXPECTED_RETRY
                )
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
        """Post one channel's due digest at most once for its local date; return what happened."""
        guild, channel = row.guild_id, row.channel_id
        zone = ZoneInfo(row.zone)
        at = parse_hhmm(row.at)
        if at is None or row.next_due is None:  # stored only after parse_hhmm accepted it; due rows have one
            raise ValueError(f"digest of server {guild}, channel {channel} has no valid time: {row.at!r}")
        now = self.clock()
        today = local_date(now, zone)
        day = local_date(row.next_due, zone)
        if day < today and now - row.next_due > LATE_GRACE:
            # Down over a due time: an earlier day is not posted; today's is, if its time has come.
            if occurrence(today, at, zone) > now:
                await self.store.reschedule_digest(guild, channel, occurrence(today, at, zone))
                return Outcome.SKIPPED
            day = today
        key = day.isoformat()
        if row.last_date is not None and row.last_date >= key:
            await self.store.reschedule_digest(guild, channel, next_due(now, at, zone, posted_for=day))
            return Outcome.DONE
        claim = await self.store.claim_digest(guild, channel, key, nonce_for(guild, channel, key), now)
        following = next_due(now, at, zone, posted_for=day)
        if claim.state != "sending":
            await self.store.reschedule_digest(guild, channel, following)
            return Outcome.DONE
        language = await self.delivery.language(row)
        seen = await self.store.seen_versions(guild, channel)
        views, included = compose(self.briefer, language, seen, row.topics)
        if not views:
            await self.store.finish_digest(guild, channel, key, "empty", {}, following, now)
            return Outcome.EMPTY
        messages = pack_messages(views, reserve=MARK_ROOM)
        problem: str | None = None
        try:
            for index in range(claim.parts_sent, len(messages)):
                nonce = f"{claim.nonce}-{index}"
                if claim.resumed and await self._already_posted(row, nonce, claim):
                    log.info("digest for channel %s: part %d was posted before a restart", channel, index)
                else:
                    await self.limiter.acquire()
                    sent = await self.delivery.post(row, mark(messages[index], nonce), nonce, day)
                    problem = sent or problem
                await self.store.digest_part_sent(guild, channel, key, index + 1)
        except Gone as gone:
            await self.store.pause_digest(guild, channel, gone.reason)
            return Outcome.PAUSED
        except Transient:
            tries = self._retries.get((guild, channel, key), 0)
            retry_at = now + dt.timedelta(seconds=RETRY_DELAYS[min(tries, len(RETRY_DELAYS) - 1)])
            self._retries[(guild, channel, key)] = tries + 1
            # Tried again within the same local day only; after that the day is given up.
            await self.store.reschedule_digest(
                guild, channel, retry_at if local_date(retry_at, zone) == day else following
            )
            return Outcome.RETRY
        self._retries.pop((guild, channel, key), None)
        if self.clock() - row.next_due > LATE:
            self.late += 1
        await self.store.finish_digest(
            guild, channel, key, "sent", included, following, self.clock(), problem
        )
        return Outcome.SENT
