"""The agents in faust's test_context, with a fake detector."""

from __future__ import annotations

import asyncio
import base64
import json
from types import SimpleNamespace
from typing import Any

from agents.ingest import parse_news
from agents.pipeline import Pipeline
from detector import Topic
from schemas.records import EvidenceSpan, Observation

from .conftest import FakeDetector, Sent


def news(id: str, body: str, title: str = "Lyra Dawn", **extra: Any) -> bytes:
    return json.dumps({"id": id, "title": title, "body": body, **extra}).encode()


def sample(p: Pipeline, name: str, **labels: str) -> float:
    value = p.metrics.registry.get_sample_value(name, labels or None)
    return value or 0.0


async def settle(check: Any, within: float = 5.0) -> None:
    """Wait until check() holds (the agent processes batches asynchronously)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + within
    while not check():
        assert loop.time() < end, "timed out waiting for the agent"
        await asyncio.sleep(0.01)


async def test_valid_item_becomes_observations_keyed_by_claim(pipe: tuple[Pipeline, Sent]) -> None:
    p, sent = pipe
    async with p.detect_agent.test_context() as agent:
        await agent.put(news("i1", "Kestria: confirm\nDravonia: deny"), wait=False)
        await settle(lambda: len(sent.observations) == 2)
    first = sent.observations[0]
    assert first.claim_id == "tanker:claim"
    assert [o.stance for o in sent.observations] == ["confirm", "deny"]
    assert first.ingested_at and first.ingested_at > 0
    assert sample(p, "claimwatch_items_accepted_total") == 1
    assert sample(p, "claimwatch_observations_total", stance="deny") == 1


async def test_only_items_that_mention_a_tracked_topic_are_recorded(
        pipe: tuple[Pipeline, Sent], fake: FakeDetector) -> None:
    """An item on no tracked topic costs no table write (detected again after a
    crash it gives nothing again); one on a topic is recorded, with or without
    observations, so a redelivery re-sends what it gave instead of detecting it."""
    p, sent = pipe
    async with p.detect_agent.test_context() as agent:
        await agent.put(news("off", "Dravonia: deny", title="Harbour budget"), wait=False)
        await agent.put(news("quiet", "no statement here"), wait=False)
        await agent.put(news("said", "Kestria: confirm"), wait=False)
        await settle(lambda: len(sent.observations) == 1)
    assert p.items.get("off") is None
    assert p.items.get("quiet")["observations"] == []
    assert len(p.items.get("said")["observations"]) == 1
    assert len(p.processed_items) == 4  # two items, each by id and by text digest


async def test_every_bad_kind_is_dead_lettered_and_valid_items_behind_it_go_on(
        pipe: tuple[Pipeline, Sent]) -> None:
    p, sent = pipe
    bad = {
        "invalid_json": b'{"id": "x",',
        "invalid_utf8": b'{"id": "x", "title": "\xff"}',
        "schema": b'{"id": 5, "title": "x"}',
        "too_large": news("big", "x" * 1001),
        "missing_field": b'{"title": "no id"}',
    }
    async with p.detect_agent.test_context() as agent:
        for i, value in enumerate(bad.values()):
            await agent.put(value, wait=False)
            await agent.put(news(f"ok{i}", f"Kestria: confirm\nnote {i}"), wait=False)
        await settle(lambda: len(sent.dead_letters) == 5 and len(sent.observations) == 5)
    assert [d.reason for d in sent.dead_letters] == list(bad)
    for d, value in zip(sent.dead_letters, bad.values(), strict=True):
        assert base64.b64decode(d.value_b64) == value
        assert d.source_topic == p.settings.news_topic
    assert [d.offset for d in sent.dead_letters] == [0, 2, 4, 6, 8]
    assert sorted(o.item_id for o in sent.observations) == [f"ok{i}" for i in range(5)]
    for reason in bad:
        assert sample(p, "claimwatch_items_rejected_total", reason=reason) == 1
    assert sample(p, "claimwatch_items_consumed_total") == 10


async def test_duplicates_are_processed_once(pipe: tuple[Pipeline, Sent],
                                             fake: FakeDetector) -> None:
    p, sent = pipe
    async with p.detect_agent.test_context() as agent:
        await agent.put(news("a", "Kestria: confirm"), wait=False)
        await agent.put(news("a", "Kestria: confirm"), wait=False)  # redelivered id
        await agent.put(news("b", "Kestria:  CONFIRM", title="Syndicated"), wait=False)
        await agent.put(news("c", "Dravonia: deny"), wait=False)
        await settle(lambda: sample(p, "claimwatch_items_consumed_total") == 4
                     and len(sent.observations) == 2)
        await asyncio.sleep(0.05)
    assert [o.item_id for o in sent.observations] == ["a", "c"]
    assert sum(len(c) for c in fake.calls) == 2
    assert sample(p, "claimwatch_items_duplicate_total", kind="id") == 1
    assert sample(p, "claimwatch_items_duplicate_total", kind="text") == 1


async def test_a_topic_added_at_runtime_applies_to_the_next_item(
        pipe: tuple[Pipeline, Sent], fake: FakeDetector) -> None:
    p, sent = pipe
    async with p.detect_agent.test_context() as agent:
        await agent.put(news("x1", "Kestria: confirm", title="Brightwater"), wait=False)
        await settle(lambda: len(fake.asked) == 1)
        assert sent.observations == []
        assert fake.calls == []  # no topic word: the gate spared the detector
        p.registry.upsert(Topic.from_dict({"id": "bw", "name": "Brightwater",
                                           "keywords": ["Brightwater"]}))
        await agent.put(news("x2", "Kestria: confirm\nagain", title="Brightwater again"),
                        wait=False)
        await settle(lambda: len(sent.observations) == 1)
        assert sent.observations[0].topic_id == "bw"
        p.registry.remove("bw")
        await agent.put(news("x3", "Kestria: deny", title="Brightwater once more"), wait=False)
        await settle(lambda: len(fake.asked) == 3)
    assert len(sent.observations) == 1
    assert fake.asked == [("x1", ["tanker"]), ("x2", ["bw", "tanker"]), ("x3", ["tanker"])]
    assert fake.calls == [["x2"]]


async def test_detector_failure_dead_letters_only_the_failing_item(
        pipe: tuple[Pipeline, Sent], fake: FakeDetector) -> None:
    p, sent = pipe
    fake.fail_on = {"bad"}
    async with p.detect_agent.test_context() as agent:
        await agent.put(news("good", "Kestria: confirm"), wait=False)
        await agent.put(news("bad", "Dravonia: deny"), wait=False)
        await settle(lambda: len(sent.dead_letters) == 1 and len(sent.observations) == 1)
    assert sent.dead_letters[0].reason == "detect_error"
    assert sent.dead_letters[0].item_id == "bad"
    assert sent.observations[0].item_id == "good"
    assert sample(p, "claimwatch_stage_errors_total", stage="detect") == 1


def obs(n: int, party: str | None, stance: str, role: str = "party",
        source: str = "Wire", topic: str = "tanker", claim: str = "c1") -> Observation:
    return Observation(
        observation_id=f"o{n}", claim_id=claim, claim_text="Dravonia seized the Lyra Dawn",
        topic_id=topic, item_id=f"i{n}", stance=stance, role=role, when="current",
        evidence=EvidenceSpan(sentence=f"sentence {n}", start=0, end=10), confidence=0.9,
        source=source, url=f"https://example.org/{n}", speaker=party, party=party,
        ingested_at=1.0)


def headers(alert: tuple[str, bytes, list[tuple[str, bytes]]]) -> dict[str, str]:
    return {k: v.decode() for k, v in alert[2]}


async def test_track_emits_binary_cloudevents_on_status_changes(
        pipe: tuple[Pipeline, Sent]) -> None:
    p, sent = pipe
    async with p.track_agent.test_context() as agent:
        await agent.put(obs(1, "Kestria", "confirm"), key="c1")
        await agent.put(obs(1, "Kestria", "confirm"), key="c1")  # redelivered: nothing new
        await agent.put(obs(2, "Kestria", "confirm"), key="c1")  # repeat stance: no alert
        await agent.put(obs(3, "Dravonia", "deny"), key="c1")
        await agent.put(obs(4, "Dravonia", "confirm"), key="c1")
        state = p.claims["c1"]
    types = [headers(a)["ce_type"] for a in sent.alerts]
    assert types == ["io.claimwatch.claim.confirmed.v1", "io.claimwatch.claim.disputed.v1",
                     "io.claimwatch.claim.confirmed.v1", "io.claimwatch.claim.reversed.v1"]
    h = headers(sent.alerts[0])
    assert h["ce_specversion"] == "1.0"
    assert h["ce_source"] == f"/claimwatch/{p.settings.app_id}"
    assert h["ce_subject"] == "c1"
    assert h["content-type"] == "application/json"
    assert h["ce_time"].endswith("Z")
    assert all(a[0] == "c1" for a in sent.alerts)
    assert len({headers(a)["ce_id"] for a in sent.alerts}) == 4
    reversal = json.loads(sent.alerts[3][1])
    assert reversal["reversal"] == {"party": "Dravonia", "from": "deny", "to": "confirm"}
    assert reversal["claim"] == {"id": "c1", "text": "Dravonia seized the Lyra Dawn",
                                 "topic": "tanker"}
    assert reversal["evidence"]["url"] == "https://example.org/4"
    assert state["status"] == "confirmed"
    assert sample(p, "claimwatch_alerts_total", type="reversed") == 1
    assert sample(p, "claimwatch_ingest_to_alert_seconds_count") == 4
    assert sample(p, "claimwatch_claims", status="confirmed") == 1


async def test_track_uses_the_topics_min_confirmations(pipe: tuple[Pipeline, Sent]) -> None:
    p, sent = pipe
    async with p.track_agent.test_context() as agent:
        await agent.put(obs(1, None, "confirm", role="media", source="Wire A"), key="c1")
        assert sent.alerts == []  # the topic asks for 2 independent confirmations
        await agent.put(obs(2, None, "confirm", role="media", source="Wire B"), key="c1")
    assert [headers(a)["ce_type"] for a in sent.alerts] == ["io.claimwatch.claim.confirmed.v1"]


async def test_same_observations_give_the_same_alert_ids(pipe: tuple[Pipeline, Sent],
                                                         settings: Any) -> None:
    p, sent = pipe
    async with p.track_agent.test_context() as agent:
        for o in (obs(1, "Kestria", "confirm"), obs(2, "Dravonia", "deny")):
            await agent.put(o, key="c1")
    first = [headers(a)["ce_id"] for a in sent.alerts]
    p.claims.data.clear()  # a worker that lost its state replays the observations
    sent.alerts.clear()
    async with p.track_agent.test_context() as agent:
        for o in (obs(1, "Kestria", "confirm"), obs(2, "Dravonia", "deny")):
            await agent.put(o, key="c1")
    assert [headers(a)["ce_id"] for a in sent.alerts] == first


async def test_a_claim_state_the_machine_cannot_read_is_dead_lettered(
        pipe: tuple[Pipeline, Sent]) -> None:
    p, sent = pipe
    async with p.track_agent.test_context() as agent:
        p.claims.data["c1"] = {"claim_id": "c1"}  # not a state_to_dict dict
        await agent.put(obs(1, "Kestria", "confirm"), key="c1")
        await agent.put(obs(2, "Kestria", "confirm", claim="c2"), key="c2")
    assert [d.reason for d in sent.dead_letters] == ["track_error"]
    assert json.loads(base64.b64decode(sent.dead_letters[0].value_b64))["claim_id"] == "c1"
    assert [headers(a)["ce_subject"] for a in sent.alerts] == ["c2"]
    assert sample(p, "claimwatch_stage_errors_total", stage="track") == 1


def test_health_is_503_until_the_worker_consumes(pipe: tuple[Pipeline, Sent]) -> None:
    from agents.web import health

    p, _ = pipe
    body, status = health(p)
    assert status == 503
    assert body["consuming"] is False and body["detector_ready"] is False
    assert body["tracked_topics"] == ["tanker"]
    assert body["last_consumed_at"] is None


class _Event:
    """What a table write reads of a Faust event (weak-referenceable, like one)."""

    def __init__(self, topic: str, partition: int) -> None:
        self.message = SimpleNamespace(topic=topic, partition=partition)


def _claim(n: int, questioned: bool = False) -> dict[str, Any]:
    return {"id": f"tanker:c{n}", "topic_id": "tanker", "text": f"claim {n}",
            "terms": sorted(["lyra", str(n)]), "questioned": questioned}


async def test_a_claim_is_published_only_once_its_items_record_is_in_kafka(
        pipe: tuple[Pipeline, Sent], fake: FakeDetector) -> None:
    """The record of the item that opened a claim is flushed before the claim is
    published: a claim on the topic (in every worker's index) always has its
    item's record behind it, so the item is never detected again against an
    index holding the claims opened after it."""
    p, sent = pipe
    steps: list[Any] = []

    async def flush() -> None:
        record = p.items.get("opener")
        steps.append(("flush", record and record.get("claims")))

    async def send_claim(claim: dict[str, Any]) -> None:
        steps.append(("claim", claim["id"]))

    p.flush = flush  # type: ignore[method-assign]
    p.send_claim = send_claim  # type: ignore[method-assign]
    fake.opens["opener"] = [_claim(1)]
    async with p.detect_agent.test_context() as agent:
        await agent.put(news("opener", "Kestria: confirm"), wait=False)
        await agent.put(news("other", "Dravonia: deny"), wait=False)
        await settle(lambda: len(sent.observations) == 2)
    assert steps == [("flush", [_claim(1)]), ("claim", "tanker:c1")]
    assert p.items.get("other").get("claims") is None


async def test_a_recorded_item_brings_its_claims_back_and_publishes_the_missing_ones(
        pipe: tuple[Pipeline, Sent], fake: FakeDetector) -> None:
    """After a kill between the flush and the publication: the redelivered item is
    not detected again, its claims join the index before the next item is
    detected, and the topic gets those it does not hold (one it holds, or holds
    in question already, is not sent again)."""
    p, sent = pipe
    published: list[str] = []

    async def send_claim(claim: dict[str, Any]) -> None:
        published.append(claim["id"])

    async def current() -> bool:
        return True

    async def flush() -> None:
        published.append("flush")

    p.flush = flush  # type: ignore[method-assign]
    p.send_claim = send_claim  # type: ignore[method-assign]
    p.claims_current = current  # type: ignore[method-assign]
    p.claim_registry.published(_claim(2))  # on the topic already
    p.claim_registry.published(_claim(3, questioned=True))
    async with p.detect_agent.test_context() as agent:
        # what the killed worker recorded of "seen" (the test topic's partition 0)
        seen = news("seen", "Kestria: confirm")
        p.processed_items.record(_Event(p.settings.news_topic, 0), parse_news(seen, 1000), [],
                                 claims=[_claim(1), _claim(2), _claim(3)])
        await agent.put(seen, wait=False)
        await agent.put(news("fresh", "Dravonia: deny"), wait=False)
        await settle(lambda: len(sent.observations) == 1)
    assert [o.item_id for o in sent.observations] == ["fresh"]
    assert published == ["flush", "tanker:c1"]
    assert fake.index.at_detect[-1] == (["tanker:c1", "tanker:c2", "tanker:c3"], ["fresh"])
