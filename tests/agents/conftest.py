"""A pipeline with a memory store, a fake detector and recorded sends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from agents.app import create_pipeline
from agents.metrics import Metrics
from agents.pipeline import Pipeline
from agents.settings import Settings
from detector import Evidence, Item, Observation, Topic


class FakeDetector:
    """Same methods as detector.Detector: an item whose text holds a topic
    keyword gets one observation per line of the form `<party>: <stance>`."""

    def __init__(self, topics: Sequence[Topic] = ()) -> None:
        self.topics = {t.id: t for t in topics}
        self.calls: list[list[str]] = []
        self.topics_at_call: list[list[str]] = []
        #: (item id, topics tracked) of each item the gate was asked about
        self.asked: list[tuple[str, list[str]]] = []
        self.fail_on: set[str] = set()
        #: item id -> the claims its detection opens (claim_dict shape)
        self.opens: dict[str, list[dict[str, Any]]] = {}
        #: what joined the index from the registry or from items' records
        self.index = FakeIndex()

    def set_topics(self, topics: Sequence[Topic]) -> None:
        self.topics = {t.id: t for t in topics}

    def may_concern(self, item: Item) -> bool:
        self.asked.append((item.id, sorted(self.topics)))
        return any(self._mentions(item, t) for t in self.topics.values())

    def detect_many(self, items: Sequence[Item]) -> list[list[Observation]]:
        self.calls.append([i.id for i in items])
        self.topics_at_call.append(sorted(self.topics))
        if self.fail_on & {i.id for i in items}:
            raise RuntimeError("boom")
        return [self._detect(i) for i in items]

    def detect_relevant(self, items: Sequence[Item]) -> list[tuple[list[Observation], bool]]:
        found = self.detect_many(items)
        return [(obs, any(self._mentions(i, t) for t in self.topics.values()))
                for i, obs in zip(items, found, strict=True)]

    def detect_opening(self, items: Sequence[Item],
                       ) -> list[tuple[list[Observation], bool, list[Any]]]:
        self.index.at_detect.append((sorted(self.index.ids), [i.id for i in items]))
        return [(obs, relevant, [SimpleNamespace(**{**c, "terms": frozenset(c["terms"])})
                                 for c in self.opens.get(i.id, ())])
                for i, (obs, relevant) in zip(items, self.detect_relevant(items), strict=True)]

    @staticmethod
    def _mentions(item: Item, topic: Topic) -> bool:
        return any(k.lower() in item.text.lower() for k in topic.keywords)

    def _detect(self, item: Item) -> list[Observation]:
        out = []
        for topic in self.topics.values():
            if not self._mentions(item, topic):
                continue
            for n, line in enumerate(item.body.splitlines()):
                who, _, stance = line.partition(":")
                stance = stance.strip()
                if stance not in ("confirm", "deny", "report"):
                    continue
                out.append(Observation(
                    observation_id=f"{item.id}:{n}", claim_id=f"{topic.id}:claim",
                    claim_text=f"the {topic.name} claim", topic_id=topic.id, item_id=item.id,
                    source=item.source, url=item.url, published_at=item.published_at,
                    stance=stance, speaker=who.strip(),  # type: ignore[arg-type]
                    party=who.strip() if who.strip() != "media" else None,
                    role="media" if who.strip() == "media" else "party", when="current",
                    evidence=Evidence(line, 0, len(line)), confidence=0.9))
        return out


class FakeIndex:
    """Records the discovered claims that join the fake detector's index."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        #: (claim ids in the index, item ids) at each detection
        self.at_detect: list[tuple[list[str], list[str]]] = []

    def add_discovered(self, claim_id: str, topic_id: str, text: str, terms: Any,
                       questioned: bool = False) -> bool:
        known = claim_id in self.ids
        self.ids.add(claim_id)
        return not known

    def drain_new(self) -> list[Any]:
        return []


@dataclass
class Sent:
    observations: list[Any] = field(default_factory=list)
    alerts: list[tuple[str, bytes, list[tuple[str, bytes]]]] = field(default_factory=list)
    dead_letters: list[Any] = field(default_factory=list)


TOPIC = Topic.from_dict({"id": "tanker", "name": "Tanker", "keywords": ["Lyra Dawn"],
                         "parties": {"Kestria": ["Kestria"], "Dravonia": ["Dravonia"]},
                         "min_confirmations": 2})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store="memory://", data_dir=tmp_path, max_body_bytes=1000,
                    batch_size=4, batch_seconds=0.01)


@pytest.fixture
def fake() -> FakeDetector:
    return FakeDetector()


@pytest.fixture
def pipe(settings: Settings, fake: FakeDetector) -> Iterator[tuple[Pipeline, Sent]]:
    def factory(topics: list[Topic]) -> FakeDetector:
        fake.set_topics(topics)
        return fake

    p = create_pipeline(settings, detector_factory=factory, metrics=Metrics(), topics=[TOPIC])
    p.registry.replace_all([TOPIC])
    p.registry.ready.set()
    p.claim_registry.ready.set()
    p.app.conf.store = "memory://"
    p.app.finalize()
    sent = Sent()

    async def observation(rec: Any) -> None:
        sent.observations.append(rec)

    async def alert(key: str, value: bytes, headers: Any) -> None:
        sent.alerts.append((key, value, list(headers)))

    async def dead(rec: Any) -> Any:
        sent.dead_letters.append(rec)
        acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        acked.set_result(None)
        return acked

    p.send_observation = observation  # type: ignore[method-assign]
    p.send_alert = alert  # type: ignore[method-assign]
    p.send_dead_letter = dead  # type: ignore[method-assign]
    yield p, sent
