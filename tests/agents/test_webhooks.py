"""Webhooks without a broker: the target guard, the compacted-topic record and
the registry a worker builds from it, a refused target at delivery time."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

import pytest

from agents.alerts import AlertEvent, WebhookConfig, WebhookSubscriber
from agents.metrics import Metrics
from agents.netguard import (
    TargetRefused,
    address_kind,
    check_target,
    guarded_resolver,
)
from agents.outbox import WebhookRegistry, webhooks_follower


@pytest.mark.parametrize("address, kind", [
    ("169.254.169.254", "link-local"),
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("0.0.0.0", "unspecified"),  # noqa: S104 - the address under test
    ("::", "unspecified"),
    ("10.1.2.3", "private"),
    ("172.16.0.9", "private"),
    ("192.168.1.1", "private"),
    ("fd00::1", "private"),
    ("fe80::1", "link-local"),
    ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"),
    ("100.64.0.1", "reserved"),
    ("::ffff:169.254.169.254", "link-local"),
    ("93.184.215.14", None),
    ("2606:4700::1111", None),
])
def test_address_kinds(address: str, kind: str | None) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize("url, reason", [
    ("http://169.254.169.254/latest/meta-data", "169.254.169.254, a link-local address"),
    ("http://127.0.0.1:6066/metrics", "127.0.0.1, a loopback address"),
    ("http://[::1]:22/", "::1, a loopback address"),
    ("http://0.0.0.0:9092/", "0.0.0.0, a unspecified address"),
    ("http://localhost:9092/", "localhost resolves to"),
    ("http://127.1/", "127.1 resolves to 127.0.0.1"),  # a short form the resolver expands
])
async def test_private_targets_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(TargetRefused, match="refused") as exc:
        await check_target(url, allow_private=False)
    assert reason in str(exc.value)
    assert "CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE" in str(exc.value)
    await check_target(url, allow_private=True)  # the setting lets it through


async def test_a_public_literal_passes_and_an_unknown_host_is_refused() -> None:
    await check_target("https://93.184.215.14/hook", allow_private=False)
    with pytest.raises(TargetRefused, match="does not resolve"):
        await check_target("http://no-such-host.invalid/h", allow_private=False)
    with pytest.raises(TargetRefused, match="no host"):
        await check_target("http:///h", allow_private=False)


async def test_the_delivery_resolver_refuses_a_name_that_resolves_privately() -> None:
    resolver = guarded_resolver(allow_private=False)
    try:
        with pytest.raises(OSError, match="localhost resolves to"):
            await resolver.resolve("localhost", 80)
    finally:
        await resolver.close()
    allowed = guarded_resolver(allow_private=True)
    try:
        assert await allowed.resolve("localhost", 80)
    finally:
        await allowed.close()


async def test_a_refused_literal_is_never_posted_and_counts_as_failed() -> None:
    class Session:
        posts = 0

        def post(self, *a: Any, **k: Any) -> Any:
            Session.posts += 1
            raise AssertionError("posted to a refused target")

    m = Metrics()
    sub = WebhookSubscriber(WebhookConfig("http://169.254.169.254/h", "s"), m, Session(),
                            max_attempts=2, base_delay=0.01)
    event = AlertEvent({"id": "a1", "type": "io.claimwatch.claim.confirmed.v1", "data": {}})
    assert not await asyncio.wait_for(sub.deliver(event), 5)
    assert Session.posts == 0
    assert m.registry.get_sample_value("claimwatch_webhook_deliveries_total",
                                       {"result": "failed"}) == 1


def test_the_record_round_trips_with_its_secret_and_start() -> None:
    config = WebhookConfig("https://example.org/h", "s3cret", ["t1"], id="hook-1",
                           created_at=1_700_000_000.5)
    back = WebhookConfig.decode(config.encode())
    assert (back.id, back.url, back.secret, back.topics, back.created_at, back.origin) == (
        "hook-1", "https://example.org/h", "s3cret", ["t1"], 1_700_000_000.5, "api")
    assert back.same_delivery(config)
    with pytest.raises(ValueError, match="not JSON"):
        WebhookConfig.decode(b"{")
    with pytest.raises(ValueError, match="webhook record"):
        WebhookConfig.decode(b'{"url": "http://x", "secret": "s"}')


@pytest.mark.parametrize("body, problem", [
    ({"url": "http://x", "secret": "s", "id": "a/b"}, "id must be"),
    ({"url": "http://x", "secret": "s", "id": "config-1"}, "CLAIMWATCH_WEBHOOKS"),
])
def test_api_ids_name_a_consumer_group_and_leave_config_ids_alone(
        body: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        WebhookConfig.from_dict(body)


def test_the_registry_applies_upserts_and_tombstones_after_the_configured_ones() -> None:
    configured = WebhookConfig("http://x/c", "s", id="config-1", origin="config")
    registry = WebhookRegistry([configured])
    changes: list[int] = []
    registry.on_change = lambda: changes.append(len(registry.all()))
    hook = WebhookConfig("http://x/a", "s", id="a")
    assert registry.apply_message(b"a", hook.encode()) == "upserted a"
    assert [c.id for c in registry.all()] == ["config-1", "a"]
    with pytest.raises(ValueError, match="differs"):
        registry.apply_message(b"b", hook.encode())
    assert registry.apply_message(b"a", None) == "removed a"
    assert registry.apply_message(b"a", None) == "a absent"
    assert registry.get("config-1") is configured and registry.get("a") is None
    assert changes == [2, 1, 1]


async def test_wait_applied_returns_once_the_follower_passed_the_offset() -> None:
    follower = webhooks_follower(["127.0.0.1:9"], "webhooks", WebhookRegistry())
    waiter = asyncio.ensure_future(follower.wait_applied(0, 4))
    await asyncio.sleep(0)
    follower.advance(0, 4)  # offset 4 not applied yet
    await asyncio.sleep(0)
    assert not waiter.done()
    follower.advance(0, 5)
    await asyncio.wait_for(waiter, 1)
