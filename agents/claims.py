"""The discovered-claims registry: the compacted topic claimwatch.claims.v1
(key = claim id, value = {id, topic_id, text, terms, questioned}; a claim put in
question is published again with questioned true).

The detector clusters statements into claims with an index it keeps in
memory. Without this registry a restarted worker would start with an empty
index, and items after the restart would open new claims instead of joining
the ones opened before (other claim ids, so other alerts); two workers would
each cluster on their own. So the news agent publishes every claim the
detector opens (and waits for the broker's ack before it records the item as
processed), and every worker reads the whole topic from the beginning (no
consumer group), catches up before it detects anything, and keeps following
it: a claim one worker opens joins the other workers' indexes a moment later.

Claim ids are a digest of the topic and the claim's terms, so two workers that
open the same claim at the same moment publish the same key.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from agents.follow import Follower

log = logging.getLogger(__name__)


def claim_dict(claim: Any) -> dict[str, Any]:
    """A claim the detector opened, as the topic (and an item's record) holds it."""
    return {"id": claim.id, "topic_id": claim.topic_id, "text": claim.text,
            "terms": sorted(claim.terms),
            "questioned": bool(getattr(claim, "questioned", False))}


def encode_claim(claim: dict[str, Any]) -> bytes:
    return json.dumps(claim, ensure_ascii=False, sort_keys=True).encode("utf-8")


class ClaimRegistry:
    """Discovered claims read from the topic, waiting to join the detector's index."""

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.questioned: set[str] = set()
        self._pending: list[dict[str, Any]] = []
        self.ready = asyncio.Event()

    def apply_message(self, key: bytes | None, value: bytes | None) -> bool:
        """One record of the topic; True when it is a claim not seen before."""
        if value is None:
            return False
        try:
            data = json.loads(value)
            claim: dict[str, Any] = {"id": str(data["id"]), "topic_id": str(data["topic_id"]),
                     "text": str(data.get("text", "")),
                     "terms": [str(t) for t in data["terms"]],
                     "questioned": bool(data.get("questioned", False))}
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("claims record %r skipped: %r", key, exc)
            return False
        claim_id = str(claim["id"])
        # a known claim comes again only when it is newly in question
        if claim_id in self.known and (not claim["questioned"] or claim_id in self.questioned):
            return False
        self.known.add(claim_id)
        if claim["questioned"]:
            self.questioned.add(claim_id)
        self._pending.append(claim)
        return True

    def published(self, claim: dict[str, Any]) -> None:
        """A claim this worker's detector opened or put in question (it is in its
        index already)."""
        self.known.add(claim["id"])
        if claim.get("questioned"):
            self.questioned.add(claim["id"])

    def unpublished(self, claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Of the claims in items' records, those the topic does not hold yet as
        recorded: unknown, or in question only in the record (never one less in
        question than the topic says: the compacted topic keeps the last record)."""
        return [c for c in claims if c["id"] not in self.known
                or (c.get("questioned") and c["id"] not in self.questioned)]

    def drain(self) -> list[dict[str, Any]]:
        out, self._pending = self._pending, []
        return out

    def __len__(self) -> int:
        return len(self.known)


def add_to_index(detector: Any, claims: list[dict[str, Any]]) -> int:
    """Add registry claims to a detector's index (run on the detector's thread)."""
    index = getattr(detector, "index", None)
    if index is None or not hasattr(index, "add_discovered"):
        return 0
    return sum(bool(index.add_discovered(c["id"], c["topic_id"], c["text"], c["terms"],
                                         bool(c.get("questioned", False))))
               for c in claims)


def drain_new_claims(detector: Any) -> list[Any]:
    index = getattr(detector, "index", None)
    if index is None or not hasattr(index, "drain_new"):
        return []
    return list(index.drain_new())


def claims_follower(bootstrap: list[str], name: str, registry: ClaimRegistry) -> Follower:
    """Reads the compacted claims topic from the start, marks the registry
    ready once caught up, then keeps following (with a probe: `sync` says when
    everything published before now is in the registry)."""

    def apply(rec: Any) -> None:
        registry.apply_message(rec.key, rec.value)  # logs what it skips

    def loaded() -> None:
        log.info("claims registry loaded: %d claims", len(registry))
        registry.ready.set()

    return Follower(bootstrap, name, apply, what="claims", on_caught_up=loaded, probe=True)
