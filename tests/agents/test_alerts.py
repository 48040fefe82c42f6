"""The alerts hub without a broker: signatures, the ring, webhook settings,
retries, bounded SSE queues, the token check."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agents.alerts import (
    AlertEvent,
    AlertHub,
    AlertRing,
    WebhookConfig,
    WebhookSubscriber,
    parse_webhooks_setting,
    sign,
    verify,
)
from agents.metrics import Metrics
from agents.settings import Settings
from agents.web import ApiError, check_token


def event(n: int, topic: str = "t1", kind: str = "confirmed") -> AlertEvent:
    return AlertEvent({"id": f"a{n}", "type": f"io.claimwatch.claim.{kind}.v1",
                       "specversion": "1.0", "data": {"claim": {"id": f"c{n}", "topic": topic}}})


def test_signature_round_trip_and_tampering() -> None:
    body = b'{"id":"a1"}'
    header = sign("s3cret", body, timestamp=1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert verify("s3cret", body, header, now=1_700_000_010)
    assert not verify("other", body, header, now=1_700_000_010)
    assert not verify("s3cret", body + b" ", header, now=1_700_000_010)
    assert not verify("s3cret", body, header, now=1_700_001_000)  # too old
    assert not verify("s3cret", body, "garbage")


def test_ring_keeps_distinct_ids_and_resumes_after_an_id() -> None:
    ring = AlertRing(3)
    for n in range(5):
        assert ring.add(event(n))
    assert not ring.add(event(4))
    assert [e.id for e in ring.events()] == ["a2", "a3", "a4"]
    assert [e.id for e in ring.after("a2") or []] == ["a3", "a4"]
    assert ring.after("a0") is None


def test_event_filters_by_topic_and_type() -> None:
    e = event(1, "marren", "disputed")
    assert e.matches(["marren"], ["disputed"])
    assert e.matches(None, ["io.claimwatch.claim.disputed.v1"])
    assert not e.matches(["other"])
    assert not e.matches(None, ["confirmed"])


@pytest.mark.parametrize("raw, problem", [
    ("{", "not JSON"),
    ('{"url": "http://x"}', "JSON list"),
    ('[{"url": "ftp://x", "secret": "s"}]', "item 1: url"),
    ('[{"url": "http://x", "secret": ""}]', "secret"),
    ('[{"url": "http://x", "secret": "s", "topics": "t"}]', "topics"),
    ('[{"url": "http://x", "secret": "s", "colour": 1}]', "unknown field"),
])
def test_bad_webhook_settings_say_why(raw: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_webhooks_setting(raw)


def test_webhook_settings() -> None:
    hooks = parse_webhooks_setting('[{"url": "http://127.0.0.1:1/h", "secret": "s", '
                                   '"topics": ["t1"]}]')
    assert hooks[0].topics == ["t1"] and hooks[0].id == "config-1"
    assert "secret" not in hooks[0].public()
    assert parse_webhooks_setting("") == []


async def test_a_slow_sse_listener_loses_its_oldest_alerts_not_the_others() -> None:
    m = Metrics()
    hub = AlertHub(m, listener_queue=2)
    slow, fast = hub.listen(), hub.listen()
    got: list[str] = []
    for n in range(3):
        hub.followed(event(n))
        ev = fast.get_nowait()
        assert ev is not None
        got.append(ev.id)
    assert got == ["a0", "a1", "a2"]
    assert [slow.get_nowait().id for _ in range(2)] == ["a1", "a2"]  # type: ignore[union-attr]
    assert m.registry.get_sample_value("claimwatch_subscriber_dropped_total",
                                       {"kind": "sse"}) == 1
    assert not hub.followed(event(2))  # the same id again reaches nobody
    assert fast.empty()


async def test_webhook_retries_with_backoff_then_counts_a_failure() -> None:
    class Resp:
        status = 503

        async def __aenter__(self) -> Resp:
            return self

        async def __aexit__(self, *a: Any) -> None:
            return None

        async def read(self) -> bytes:
            return b""

    class Session:
        posts = 0

        def post(self, *a: Any, **k: Any) -> Resp:
            Session.posts += 1
            return Resp()

    m = Metrics()
    sub = WebhookSubscriber(WebhookConfig("http://x/h", "s"), m, Session(), max_attempts=3,
                            base_delay=0.01)
    assert not await asyncio.wait_for(sub.deliver(event(1)), 5)
    assert Session.posts == 3
    value = m.registry.get_sample_value
    assert value("claimwatch_webhook_deliveries_total", {"result": "retried"}) == 2
    assert value("claimwatch_webhook_deliveries_total", {"result": "failed"}) == 1


def test_token_check() -> None:
    class Pipe:
        def __init__(self, token: str | None) -> None:
            self.settings = Settings(api_token=token)

    with pytest.raises(ApiError) as exc:
        check_token(Pipe(None), "Bearer x")  # type: ignore[arg-type]
    assert exc.value.status == 503
    for header in (None, "Basic abc", "Bearer wrong"):
        with pytest.raises(ApiError) as exc:
            check_token(Pipe("right"), header)  # type: ignore[arg-type]
        assert exc.value.status == 401
    check_token(Pipe("right"), "Bearer right")  # type: ignore[arg-type]
