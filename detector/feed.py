"""The detector over a feed, in order, with no broker: the offline mode.

`FeedRun` takes the decision step the worker takes (detector.decide: dedup by
id or by the normalized body under another id, detect, apply the status
machine) and keeps what the `claimwatch detect` command prints and what
acceptance checks read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from detector.core import Detector
from detector.decide import Seen, decide, text_key
from detector.model import ClaimState, Item, Observation, Transition


@dataclass
class FeedRun:
    detector: Detector
    batch_size: int = 16
    states: dict[str, ClaimState] = field(default_factory=dict)
    observations: dict[str, list[Observation]] = field(default_factory=dict)
    alerts: dict[str, list[Transition]] = field(default_factory=dict)
    duplicates: int = 0
    items: int = 0
    seen: Seen = field(default_factory=Seen)

    def _fresh(self, item: Item) -> bool:
        if self.seen.seen(item.id, text_key(item.title, item.body)) is not None:
            self.duplicates += 1
            return False
        return True

    def run(self, items: Iterable[Item]) -> Iterator[dict[str, Any]]:
        """Events in order: observations and alerts as dicts with a `kind`."""
        batch: list[Item] = []
        for item in items:
            self.items += 1
            if self._fresh(item):
                batch.append(item)
            if len(batch) >= self.batch_size:
                yield from self._process(batch)
                batch = []
        if batch:
            yield from self._process(batch)

    def _process(self, batch: list[Item]) -> Iterator[dict[str, Any]]:
        for obs_list in self.detector.detect_many(batch):
            for obs in obs_list:
                yield {"kind": "observation", **obs.to_dict()}
                yield from self.observe(obs)

    def observe(self, obs: Observation) -> Iterator[dict[str, Any]]:
        topic = self.detector.topics.get(obs.topic_id)
        min_conf = topic.min_confirmations if topic else 2
        state, transitions = decide(self.states.get(obs.claim_id), obs, min_conf)
        self.states[obs.claim_id] = state
        self.observations.setdefault(obs.claim_id, []).append(obs)
        for t in transitions:
            self.alerts.setdefault(t.claim_id, []).append(t)
            yield alert_event(t)

    def claims(self) -> list[dict[str, Any]]:
        out = []
        for cid, state in self.states.items():
            obs = self.observations.get(cid, [])
            out.append({
                "kind": "claim",
                "claim_id": cid,
                "topic_id": state.topic_id,
                "text": state.text,
                "status": state.status,
                "stances": {p: s.stance for p, s in state.parties},
                "observations": [
                    {"party": o.party, "speaker": o.speaker, "role": o.role, "stance": o.stance,
                     "when": o.when, "item_id": o.item_id, "sentence": o.evidence.sentence}
                    for o in obs
                ],
                "alerts": [t.type for t in self.alerts.get(cid, [])],
            })
        return out


def alert_event(t: Transition) -> dict[str, Any]:
    return {
        "kind": "alert",
        "type": t.type,
        "alert_id": t.alert_id,
        "claim_id": t.claim_id,
        "topic_id": t.topic_id,
        "claim_text": t.claim_text,
        "item_id": t.observation.item_id,
        "previous_status": t.previous_status,
        "new_status": t.new_status,
        "party_stances": dict(t.party_stances),
        "quote": t.observation.evidence.sentence,
        "reversal": t.reversal.to_dict() if t.reversal else None,
    }
