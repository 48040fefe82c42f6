"""The news agent: ingest (validate, dedup, dead-letter) then detect.

Consumes news.items.v1 as raw bytes in small batches
(`stream.take_events(n, within=s)`; faust acks a batch's events only after
the batch is processed), hands the valid first-seen items to the detector
and sends each observation keyed by claim id, so one worker owns a claim.

Crash safety (at-least-once, no second opinion): every processed item that
mentions a tracked topic is recorded in the changelog-backed `items` table
with the observations it produced (and its text digest, for syndicated
copies); an item that mentions none gives nothing whenever it is detected, so
it costs no table write. A redelivered item
after a crash, or the same id later, re-sends its stored observations instead
of being detected again against a claim index that has moved on; the track
stage ignores observation ids it has seen, and alert ids are deterministic.
Claims the detector opens are published on the claims topic (agents.claims)
and acknowledged before the item is recorded.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agents.claims import add_to_index, drain_new_claims
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
        now = time.time()
        started = time.perf_counter()
        #: (item, event, text_key) of the first-seen items, for detection
        accepted: list[tuple[NewsItem, Any, bytes]] = []
        #: the broker acks of this batch's dead letters, awaited before it is acked
        self.dead_acks: list[Any] = []
        #: in item order: stored observations to send again, or None for a detected item
        plan: list[list[DetectorObservation] | None] = []
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
                if stored[1]:
                    plan.append(stored[1])
                continue
            m.items_accepted.inc()
            accepted.append((news, event, digest))
            plan.append(None)
        if events:
            pipe.consumed(now)
        m.stage_seconds.labels("ingest").observe(time.perf_counter() - started)
        results = await self.detect(accepted, now) if accepted else []
        # observations in item order: an item seen before a crash keeps its place
        detected = iter(results)
        for found in plan:
            for obs in found if found is not None else next(detected).observations:
                m.observations.labels(obs.stance).inc()
                await pipe.send_observation(to_record(obs, now))
        for (news, event, digest), result in zip(accepted, results, strict=True):
            # an item that mentions no tracked topic is not recorded: detected
            # again after a crash it gives nothing again, whatever the claim
            # index holds by then (most of a stream; two table writes saved each)
            if result.relevant:
                self.processed.record(event, news, result.observations, digest)
        self.processed.expire(events)  # the items table's retention (agents.items)
        for delivered in self.dead_acks:
            await delivered

    def _detect_batch(self, items: list[Item]) -> tuple[list[Detected], list[Any]]:
        """On the detector's thread: join the claims other workers (or this
        worker before a restart) opened, detect, collect the claims opened now."""
        pending = self.pipe.claim_registry.drain()
        if pending:
            added = add_to_index(self.detector, pending)
            log.debug("%d claims from the registry joined the index", added)
        results = [Detected(obs, bool(obs) or relevant)
                   for obs, relevant in self.detector.detect_relevant(items)]
        return results, drain_new_claims(self.detector)

    async def detect(self, accepted: list[tuple[NewsItem, Any, bytes]], ingested_at: float,
                     ) -> list[Detected]:
        pipe, m = self.pipe, self.pipe.metrics
        newest = max((e.message.timestamp or 0.0) for _, e, _ in accepted)
        await pipe.registry.wait_synced(min(newest, ingested_at))
        if pipe.registry.version != self.topics_version:
            self.topics_version = pipe.registry.version
            self.detector.set_topics(pipe.registry.topics())
        items = [to_item(n) for n, _, _ in accepted]
        started = time.perf_counter()
        new_claims: list[Any] = []
        try:
            results, new_claims = await pipe.run_detector(self._detect_batch, items)
        except Exception:
            log.exception("detection failed on a batch of %d; retrying one by one", len(items))
            results = []
            new_claims += await pipe.run_detector(drain_new_claims, self.detector)
            for (news, event, _), item in zip(accepted, items, strict=True):
                try:
                    found, opened = await pipe.run_detector(self._detect_batch, [item])
                    results.append(found[0])
                    new_claims += opened
                except Exception as exc:
                    m.stage_errors.labels("detect").inc()
                    log.error("detect failed on item %s: %r", item.id, exc)
                    self.dead_acks.append(await pipe.dead_letter_event(
                        event, "detect_error", repr(exc), item_id=news.id))
                    results.append(Detected([], True))
        m.stage_seconds.labels("detect").observe(time.perf_counter() - started)
        for claim in new_claims:
            await pipe.send_claim(claim)
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
