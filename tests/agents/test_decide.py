"""The worker and `claimwatch detect` take one decision step: the same items
are duplicates for both (a retitled syndicated copy included), and the same
observation gives the same state."""

from __future__ import annotations

from typing import Any

from agents.ingest import Deduplicator
from detector import Evidence, Item, Observation
from detector.decide import decide
from detector.feed import FeedRun
from schemas.records import NewsItem

BODY = "The ministry confirmed on Tuesday that the tanker had been released with its crew."
FEED = [
    ("a1", "Tanker released", BODY),
    ("a2", "Crew of seized tanker freed, ministry says", BODY + "  "),  # retitled copy
    ("a1", "Tanker released (updated)", "Another text under the same id."),
    ("a3", "Tanker released", "A different story under the same title."),
    ("a4", "Only a title here", ""),
    ("a5", "only a title HERE!", ""),  # the same title, when there is no body
]


class CountingDetector:
    """Records what reaches detection; finds nothing."""

    def __init__(self) -> None:
        self.topics: dict[str, Any] = {}
        self.detected: list[str] = []

    def detect_many(self, items: list[Item]) -> list[list[Observation]]:
        self.detected += [i.id for i in items]
        return [[] for _ in items]


def test_worker_and_offline_run_drop_the_same_duplicates() -> None:
    dedup = Deduplicator()
    online = [i for i, t, b in FEED
              if dedup.seen(NewsItem(id=i, title=t, body=b, source="wire")) is None]
    detector = CountingDetector()
    run = FeedRun(detector)  # type: ignore[arg-type]
    list(run.run(Item(id=i, title=t, body=b, source="wire") for i, t, b in FEED))
    assert online == detector.detected == ["a1", "a3", "a4"]
    assert run.duplicates == 3


def test_decide_opens_a_claim_and_ignores_a_seen_observation() -> None:
    obs = Observation(
        observation_id="o1", claim_id="c1", claim_text="The tanker was released",
        topic_id="t", item_id="a1", source="wire", url=None, published_at=None,
        stance="confirm", speaker="the ministry", party="Dravonia", role="party",
        when="current", evidence=Evidence(BODY, 0, len(BODY)), confidence=0.9)
    state, transitions = decide(None, obs, 2)
    assert state.claim_id == "c1" and dict(state.parties)["Dravonia"].stance == "confirm"
    again, none = decide(state, obs, 2)
    assert again is state and none == []
    assert [t.type for t in transitions] == [t.type for t in decide(None, obs, 2)[1]]
