"""10,000 malformed messages among 1,000 valid items and the seed feed, on a
real broker, sent gzip-compressed: every malformed one is dead-lettered with
its reason and its original bytes (cut to fit, and saying so, when the copy
would not fit a request), every valid item is processed, the worker answers
/health throughout, and its committed offset reaches the end of the news
topic. The messages come from tests/malformed.py, seeded
(CLAIMWATCH_FUZZ_SEED), among them the two that used to stop the worker and
lose the batch beside them: a 5,000-digit integer and a 2 MB body."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.integration.support import ROOT, Worker, consume_all, http_get, wait_for
from tests.malformed import Case, generate

pytestmark = pytest.mark.integration

SEED = int(os.environ.get("CLAIMWATCH_FUZZ_SEED", "20261202"))
LIMIT = 65_536
REASONS = ("invalid_json", "invalid_utf8", "schema", "too_large", "missing_field")


class HealthWatch:
    """Asks /health twice a second in a thread; keeps every status."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.statuses: list[int] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.wait(0.5):
            self.statuses.append(http_get(f"{self.worker.base}/health")[0])

    def stop(self) -> list[int]:
        self.done.set()
        self.thread.join()
        return self.statuses


def produce_gzip(servers: list[str], topic: str,
                 messages: list[tuple[bytes | None, bytes | None]]) -> list[int]:
    """Send in order, gzip-compressed (a 2 MB body fits the broker's 1 MB limit
    only compressed); the offset of each."""
    from kafka import KafkaProducer

    prod = KafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=20,
                         compression_type="gzip", max_request_size=8 * 1024 * 1024,
                         batch_size=256 * 1024)
    try:
        futures = [prod.send(topic, key=k, value=v) for k, v in messages]
        prod.flush()
        return [f.get(timeout=60).offset for f in futures]
    finally:
        prod.close()


def committed_offset(worker: Worker) -> int | None:
    from kafka import KafkaAdminClient, TopicPartition

    admin = KafkaAdminClient(bootstrap_servers=worker.settings.bootstrap_servers)
    try:
        offsets = admin.list_group_offsets({worker.settings.app_id: None})[
            worker.settings.app_id]
    finally:
        admin.close()
    meta = offsets.get(TopicPartition(worker.settings.news_topic, 0))
    return meta.offset if meta is not None else None


@pytest.fixture
def fuzz_run(worker_factory: Callable[..., Worker]) -> Iterator[dict[str, Any]]:
    worker = worker_factory(CLAIMWATCH_MAX_BODY_BYTES=str(LIMIT))
    watch = HealthWatch(worker)
    cases: list[Case | None] = list(generate(SEED, malformed=10_000, valid=1_000,
                                             limit=LIMIT))
    seed_feed = [line.encode() for line in
                 (ROOT / "seeds" / "feed.jsonl").read_text().splitlines() if line.strip()]
    # the seed stories among the first thousand messages: observations and alerts
    for i in range(len(seed_feed)):
        cases.insert(25 * i, None)
    feed = iter(seed_feed)
    messages = [(c.key, c.value) if c is not None else (None, next(feed)) for c in cases]
    started = time.monotonic()
    offsets = produce_gzip(worker.settings.bootstrap_servers, worker.settings.news_topic,
                           messages)
    try:
        yield {"worker": worker, "watch": watch, "cases": dict(zip(offsets, cases, strict=True)),
               "end": offsets[-1] + 1, "seed_items": len(seed_feed), "started": started}
    finally:
        watch.stop()


def test_every_malformed_message_is_dead_lettered_and_every_valid_item_processed(
        fuzz_run: dict[str, Any]) -> None:
    worker: Worker = fuzz_run["worker"]
    cases: dict[int, Case | None] = fuzz_run["cases"]
    bad = {off: c for off, c in cases.items() if c is not None and c.reason is not None}
    assert len(bad) == 10_000
    servers = worker.settings.bootstrap_servers

    dead = consume_all(servers, worker.settings.deadletter_topic, expect=len(bad), idle=5,
                       timeout=150)
    letters = [json.loads(r.value) for r in dead]
    assert sorted(d["offset"] for d in letters) == sorted(bad), (
        f"seed {SEED}: {len(letters)} dead letters for {len(bad)} malformed messages\n"
        f"{worker.log()}")
    cut = set()
    for d in letters:
        case = bad[d["offset"]]
        assert (d["reason"], d["source_topic"]) == (case.reason, worker.settings.news_topic), \
            (case.kind, d["reason"], d["detail"])
        assert d["detail"]
        copy = base64.b64decode(d["value_b64"])
        original = case.value or b""
        assert d["value_size"] == (None if case.value is None else len(original))
        if d["truncated"]:
            cut.add(case.kind)
            assert original.startswith(copy) and "truncated" in d["detail"], case.kind
        else:
            assert copy == original, case.kind
    # the copies that would not fit a request: the 2 MB body, the 3 MB message, the long key
    assert cut == {"killer_2mb_body", "message_over_size", "huge_key"}

    total = len(cases)
    m = wait_for(lambda: (lambda m: m if m.get("claimwatch_items_consumed_total") == total
                          else None)(worker.metrics()), 60, f"{total} items consumed")
    # the seed feed holds one repeated id and three syndicated copies, dropped once each
    duplicates = sum(v for k, v in m.items() if k.startswith("claimwatch_items_duplicate_total"))
    assert duplicates == 4
    assert m["claimwatch_items_accepted_total"] == total - len(bad) - duplicates
    assert {r: m.get(f'claimwatch_items_rejected_total{{reason="{r}"}}', 0) for r in REASONS} \
        == dict(Counter(c.reason for c in bad.values()))
    assert m.get('claimwatch_stage_errors_total{stage="detect"}', 0) == 0
    assert sum(v for k, v in m.items()
               if k.startswith("claimwatch_observations_total{")) > 0  # the seed stories
    # everything handled is committed, up to the end of the news topic
    wait_for(lambda: committed_offset(worker) == fuzz_run["end"], 30,
             f"the committed offset to reach {fuzz_run['end']}")

    statuses = fuzz_run["watch"].stop()
    assert worker.proc is not None and worker.proc.poll() is None, worker.log()
    assert statuses and set(statuses) == {200}, Counter(statuses)
    elapsed = time.monotonic() - fuzz_run["started"]
    print(f"fuzz seed {SEED}: {total} messages handled in {elapsed:.1f} s")
