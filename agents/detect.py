"""The news agent: ingest (validate, dedup, dead-letter) then detect.

Consumes news.items.v1 as raw bytes in small batches
(`stream.take_events(n, within=s)`; faust acks a batch's events only after
the batch is processed), hands the valid first-seen items to the detector
and sends each observation keyed by claim id, so one worker owns a claim.

Crash safety (at-least-once, no second opinion): every processed item that
mentions a tracked topic is recorded in the changelog-backed `items` table
with the observations it produced, the claims it opened or put in question
(and its text digest, for syndicated copies); an item that mentions none
gives nothing whenever it is detected, so it costs no table write. A
redelivered item after a crash, or the same id later, re-sends its stored
observations instead of being detected again against a claim index that has
moved on; the track stage ignores observation ids it has seen, and alert ids
are deterministic.

Claims the detector opens are published on the claims topic (agents.claims)
only once the records of the items that opened them are acked (a producer
flush). The other order left a hole: a claim published, its item's record
lost with a killed worker, and the item detected again by the next owner of
its partition against an index that already holds the claims of the items
after it (those it opened itself, in the reference order, not yet): its
statements join a later claim instead of opening their own, and the alerts
differ. Now an item detected again never meets a claim opened after it on
its partition; a recorded item brings its claims back into the index and
publishes those the topic does not hold yet (the kill came between the flush
and the publication).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agents.claims import add_to_index, claim_dict, drain_new_claims
from agents.ingest import Rejected, parse_news, text_key
from detector import Item
from detector import Observation as DetectorObservation
from schemas.records import EvidenceSpan, NewsItem, Observation

if TYPE_CHECKING:
    from agents.pipeline import Pipeline

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Detected:
    """What detection found in one item, and whether the item mentions a
    tracked topic at all (only then is it worth recording)."""

    observations: list[DetectorObservation]
    relevant: bool
    #: the discovered claims it opened or put in question (claim_dict shape)
    claims: list[dict[str, Any]]


def to_item(n: NewsItem) -> Item:
    return Item(id=n.id, title=n.title, body=n.body, source=n.source, url=n.url,
                published_at=n.published_at, language=n.language)


def to_record(o: DetectorObservation, ingested_at: float) -> Observation:
    d = o.to_dict()
    ev = d.pop("evidence")
    return Observation(**d, evidence=EvidenceSpan(**ev), ingested_at=ingested_at)


class NewsProcessor:
    """One batch of news events in, observations and dead letters out."""

    def __init__(self, pipe: Pipeline, detector: Any) -> None:
        self.pipe = pipe
        self.detector = detector
        self.topics_version = -1
        self.processed = pipe.processed_items

    async def process(self, events: Sequence[Any]) -> None:
        pipe, m = self.pipe, self.pipe.metrics
        events = self.current(events)
        now = time.time()
        started = time.perf_counter()
        #: (item, event, text_key) of the first-seen items, for detection
        accepted: list[tuple[NewsItem, Any, bytes]] = []
        #: the broker acks of this batch's dead letters, awaited before it is acked
        self.dead_acks: list[Any] = []
        #: in item order: stored observations to send again, or None for a detected item
        plan: list[list[DetectorObservation] | None] = []
        #: the claims in the records of the items seen before
        stored_claims: list[dict[str, Any]] = []
        for event in events:
            msg = event.message
            m.items_consumed.inc()
            try:
                news = parse_news(event.value, pipe.settings.max_body_bytes)
            except Rejected as r:
                m.items_rejected.labels(r.reason).inc()
                log.info("dead letter %s:%s@%s: %s", msg.topic, msg.partition, msg.offset,
                         r.reason)
                self.dead_acks.append(await pipe.dead_letter_event(event, r.reason, r.detail))
                continue
            digest = text_key(news)  # once per item: it costs as much as parsing
            kind = pipe.dedup.seen(news, digest)
            if kind is not None:
                m.items_duplicate.labels(kind).inc()
                log.debug("duplicate (%s) item %s at offset %s", kind, news.id, msg.offset)
                continue
            stored = self.processed.lookup(event, news, digest)
            if stored is not None:
                m.items_duplicate.labels(stored[0]).inc()
                log.info("item %s at offset %s processed before (%s): %d observations again",
                         news.id, msg.offset, stored[0], len(stored[1]))
                if stored.observations:
                    plan.append(stored.observations)
                stored_claims += stored.claims
                continue
            m.items_accepted.inc()
            accepted.append((news, event, digest))
            plan.append(None)
        if events:
            pipe.consumed(now)
        m.stage_seconds.labels("ingest").observe(time.perf_counter() - started)
        unpublished: list[dict[str, Any]] = []
        if stored_claims:
            # the items' records are in Kafka; their claims may not be (a kill
            # between the flush and the publication): what the topic lacks
            await pipe.claims_current()
            unpublished = pipe.claim_registry.unpublished(stored_claims)
        results = await self.detect(accepted, now, stored_claims) if accepted else []
        for (news, event, digest), result in zip(accepted, results, strict=True):
            # an item that mentions no tracked topic is not recorded: detected
            # again after a crash it gives nothing again, whatever the claim
            # index holds by then (most of a stream; two table writes saved each)
            if result.relevant:
                self.processed.record(event, news, result.observations, digest,
                                      result.claims)
        opened = unpublished + [c for r in results for c in r.claims]
        if opened:
            # the records first (see the module docstring), then the claims
            await pipe.flush()
            for claim in opened:
                await pipe.send_claim(claim)
        # observations in item order: an item seen before a crash keeps its place
        detected = iter(results)
        for found in plan:
            for obs in found if found is not None else next(detected).observations:
                m.observations.labels(obs.stance).inc()
                await pipe.send_observation(to_record(obs, now))
        self.processed.expire(events)  # the items table's retention (agents.items)
        for delivered in self.dead_acks:
            await delivered

    def current(self, events: Sequence[Any]) -> Sequence[Any]:
        """The events of the consumer generation now assigned. take_events keeps
        the events it buffered before a rebalance and hands them out after it,
        ahead of the records that the seek to the committed offsets brings
        again: processed then, an item would meet the claims of the items
        after it (another linking than in stream order), and its ack, ahead of
        the offsets before it, could let a commit pass them. So they are left
        unprocessed and unacked: they come again in their place (from this
        worker's seek, or the partition's new owner)."""
        generation = self.pipe.app.consumer_generation_id
        stale = [e for e in events if e.message.generation_id != generation]
        if not stale:
            return events
        for event in stale:
            event.message.acked = True  # take_events' ack then leaves its offset out
        log.info("%d news events buffered before the rebalance to generation %s left "
                 "for the records fetched again", len(stale), generation)
        return [e for e in events if e.message.generation_id == generation]

    def _detect_batch(self, items: list[Item], stored: Sequence[dict[str, Any]] = (),
                      ) -> list[Detected]:
        """On the detector's thread: join the claims other workers (or this
        worker before a restart) opened and those of the batch's recorded items,
        detect, and tell each item's observations and the claims it opened."""
        pending = self.pipe.claim_registry.drain() + list(stored)
        if pending:
            added = add_to_index(self.detector, pending)
            log.debug("%d claims from the registry joined the index", added)
        return [Detected(obs, bool(obs) or relevant, [claim_dict(c) for c in opened])
                for obs, relevant, opened in self.detector.detect_opening(items)]

    async def detect(self, accepted: list[tuple[NewsItem, Any, bytes]], ingested_at: float,
                     stored: list[dict[str, Any]]) -> list[Detected]:
        pipe, m = self.pipe, self.pipe.metrics
        newest = max((e.message.timestamp or 0.0) for _, e, _ in accepted)
        await pipe.registry.wait_synced(min(newest, ingested_at))
        if pipe.registry.version != self.topics_version:
            self.topics_version = pipe.registry.version
            self.detector.set_topics(pipe.registry.topics())
        items = [to_item(n) for n, _, _ in accepted]
        started = time.perf_counter()
        # the gate here, on the loop: most of a stream mentions no tracked topic
        # and is told so in microseconds, without a hand-off to the detector's
        # thread (a batch of only such items costs that thread nothing)
        todo = [n for n, item in enumerate(items) if self.detector.may_concern(item)]
        results = [Detected([], False, []) for _ in items]
        if todo or stored:
            found = await self._detect_on_thread([accepted[n] for n in todo],
                                                 [items[n] for n in todo], stored)
            for n, result in zip(todo, found, strict=True):
                results[n] = result
        m.stage_seconds.labels("detect").observe(time.perf_counter() - started)
        return results

    async def _detect_on_thread(self, accepted: list[tuple[NewsItem, Any, bytes]],
                                items: list[Item], stored: list[dict[str, Any]],
                                ) -> list[Detected]:
        pipe, m = self.pipe, self.pipe.metrics
        try:
            results = await pipe.run_detector(self._detect_batch, items, stored)
        except Exception:
            log.exception("detection failed on a batch of %d; retrying one by one", len(items))
            # what the failed pass opened stays in the index's queue: the next
            # item detected tells it (an earlier item than its own, never a later)
            results = []
            for (news, event, _), item in zip(accepted, items, strict=True):
                try:
                    results += await pipe.run_detector(self._detect_batch, [item])
                except Exception as exc:
                    m.stage_errors.labels("detect").inc()
                    log.error("detect failed on item %s: %r", item.id, exc)
                    self.dead_acks.append(await pipe.dead_letter_event(
                        event, "detect_error", repr(exc), item_id=news.id))
                    results.append(Detected([], True, []))
            left = await pipe.run_detector(drain_new_claims, self.detector)
            if left and results:  # no item of the batch got through to tell them
                results[-1].claims.extend(claim_dict(c) for c in left)
        return results


def register(pipe: Pipeline) -> Any:
    """Add the news agent to the pipeline's app."""
    settings = pipe.settings

    @pipe.app.agent(pipe.news_topic, name="claimwatch.detect")
    async def detect(stream: Any) -> None:
        detector = await pipe.load_detector()
        await pipe.registry.ready.wait()
        await pipe.claim_registry.ready.wait()
        processor = NewsProcessor(pipe, detector)
        async for events in stream.take_events(settings.batch_size,
                                               within=settings.batch_seconds):
            try:
                await processor.process(events)
            except asyncio.CancelledError:
                raise
            except Exception:
                # sending failed after the producer's own retries: stop rather
                # than ack a batch whose outputs may be lost (at-least-once)
                pipe.metrics.stage_errors.labels("ingest").inc()
                log.exception("news batch at offset %s failed; stopping the worker",
                              events[0].message.offset if events else None)
                await pipe.stop_unacked(events, RuntimeError("news batch failed"))
                raise
    return detect
