"""The track agent: observations (keyed by claim id) into the claims table,
transitions out as alerts.

The `claims` table (claim id -> state_to_dict dict, changelog-backed) is
co-partitioned with the observations topic, so one worker owns a claim.

Crash safety (kill -9). A Faust table write goes to the local store (RocksDB)
at once and to its changelog through the producer, later; the observation's
offset is committed only after a producer flush (faust's consumer flushes
before every commit), so an observation whose outputs were not all acked is
redelivered after a crash. Two rules make that redelivery enough:

- the alert is sent and its ack awaited before the state is written. Were the
  state written first, a kill before the alert reached the broker would leave
  the local store ahead of the alerts topic: the redelivered observation is
  seen, nothing is decided again, and the alert is lost for good. A crash
  between the ack and the write decides the same transition again, with the
  same alert id (a duplicate consumers can drop), never a different one.
- a redelivered observation the state has seen writes the state again. The
  local store can hold a write whose changelog record died with the worker;
  unless the claim is written again, its changelog (what a wiped worker, or
  the next owner of the partition, recovers from) stays behind for good.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from agents.deliver import cloudevent
from detector import Evidence, state_from_dict, state_to_dict
from detector import Observation as DetectorObservation
from detector.decide import decide
from schemas.records import STATUSES, Observation

if TYPE_CHECKING:
    from agents.pipeline import Pipeline

log = logging.getLogger(__name__)


def from_record(r: Observation) -> DetectorObservation:
    return DetectorObservation(
        observation_id=r.observation_id, claim_id=r.claim_id, claim_text=r.claim_text,
        topic_id=r.topic_id, item_id=r.item_id, source=r.source or "", url=r.url,
        published_at=r.published_at, stance=r.stance,  # type: ignore[arg-type]
        speaker=r.speaker, party=r.party, role=r.role,  # type: ignore[arg-type]
        when=r.when,  # type: ignore[arg-type]
        evidence=Evidence(r.evidence.sentence, r.evidence.start, r.evidence.end),
        confidence=float(r.confidence), item_last=bool(getattr(r, "item_last", True)),
    )


class ClaimTracker:
    """Applies one observation to its claim's state and emits the alerts."""

    def __init__(self, pipe: Pipeline, table: Any) -> None:
        self.pipe = pipe
        self.table = table
        #: claim id -> status, for the claimwatch_claims gauge
        self.statuses: dict[str, str] = {}

    async def handle(self, rec: Observation) -> None:
        pipe, m = self.pipe, self.pipe.metrics
        started = time.perf_counter()
        raw = self.table.get(rec.claim_id)
        state = state_from_dict(raw) if raw else None
        # the decision step `claimwatch detect` takes too (detector.decide)
        nxt, transitions = decide(state, from_record(rec),
                                  pipe.registry.min_confirmations(rec.topic_id))
        m.stage_seconds.labels("track").observe(time.perf_counter() - started)
        if nxt is state:
            # seen before: a redelivery (after a crash, or an item's stored
            # observations sent again). The state may be in the local store
            # only: write it again so the changelog has it before this
            # observation's offset is committed (see the module docstring).
            if raw:
                self.table[rec.claim_id] = raw
            return
        if transitions:
            started = time.perf_counter()
            for t in transitions:
                decided = time.time()
                headers, value = cloudevent(t, app_id=pipe.settings.app_id, decided_at=decided)
                # returns once the broker acked it: only then is the state written
                # webhooks get it from the alerts topic (agents.outbox)
                await pipe.send_alert(t.claim_id, value, headers)
                m.alerts.labels(t.type).inc()
                if rec.ingested_at:
                    m.ingest_to_alert.observe(max(0.0, decided - rec.ingested_at))
                log.info("alert %s %s claim %s (item %s)", t.type, t.alert_id, t.claim_id,
                         t.observation.item_id)
            m.stage_seconds.labels("deliver").observe(time.perf_counter() - started)
        self.table[rec.claim_id] = state_to_dict(nxt)
        self._count(rec.claim_id, nxt.status)

    def _count(self, claim_id: str, status: str) -> None:
        claims = self.pipe.metrics.claims
        old = self.statuses.get(claim_id)
        if old == status:
            return
        if old is not None:
            claims.labels(old).dec()
        claims.labels(status).inc()
        self.statuses[claim_id] = status

    def recount(self) -> None:
        """Rebuild the gauge from the table (after recovery or a rebalance)."""
        self.statuses = {}
        for claim_id, value in self.table.items():
            if isinstance(value, dict) and value.get("status") in STATUSES:
                self.statuses[claim_id] = value["status"]
        counts = Counter(self.statuses.values())
        for status in STATUSES:
            self.pipe.metrics.claims.labels(status).set(counts.get(status, 0))


def register(pipe: Pipeline) -> Any:
    """Add the claims table and the track agent to the pipeline's app."""
    tracker = ClaimTracker(pipe, pipe.claims)

    @pipe.claims.on_recover
    async def _recovered() -> None:
        tracker.recount()

    @pipe.app.agent(pipe.observations_topic, name="claimwatch.track")
    async def track(stream: Any) -> None:
        async for rec in stream:
            try:
                await tracker.handle(rec)
            except Exception as exc:
                # a state or observation the machine cannot use: count it,
                # dead-letter the observation and keep going
                pipe.metrics.stage_errors.labels("track").inc()
                log.exception("track failed on observation %s of claim %s",
                              getattr(rec, "observation_id", None),
                              getattr(rec, "claim_id", None))
                event = stream.current_event
                if event is None:
                    continue
                try:
                    await (await pipe.dead_letter_event(event, "track_error", repr(exc)))
                except Exception:
                    log.exception("dead letter of observation at offset %s failed; "
                                  "stopping the worker", event.message.offset)
                    await pipe.stop_unacked([event], RuntimeError("dead letter failed"))
                    raise
    return track
