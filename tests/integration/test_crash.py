"""Claim state and alerts survive kill -9.

The feed (tests/integration/feedgen.py): 20 copies of the seed stories, each
with fresh ids and its own names and tracked topics, interleaved with 1,300
off-topic items: 2,040 items whose alerts the detection core decides in
process (the reference). The stories are well separated (a copy's items
match only its own topics, checked below), so clustering does not depend on
the order between copies.

The worker uses the RocksDB store. It is killed with SIGKILL three times, each
time right after it logs a seeded number of alerts (alerts, claim states and their
changelog records in flight), and restarted with the same app id and data dir; once
the feed is through, the alert ids on the alerts topic are exactly the
reference's (redelivered duplicates keep their id), no transition has two
ids, and every claim's final state is the reference's, read from GET /claims,
and read again after the data dir is wiped (recovery from the changelog).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration import feedgen
from tests.integration.feedgen import ROOT
from tests.integration.support import Worker, consume_all, make_worker, produce, wait_for

pytestmark = pytest.mark.integration

COPIES, FILLER, SEED = 20, 1300, 4
KILLS = 3


@pytest.fixture(scope="module")
def feed() -> feedgen.Feed:
    return feedgen.build(COPIES, FILLER, SEED)


def reference_digest(feed: feedgen.Feed) -> str:
    """What the reference depends on: the feed, and the code and data that decide it."""
    h = hashlib.sha256()
    for k, v in feed.messages:
        h.update(len(k).to_bytes(4, "big") + k + len(v).to_bytes(4, "big") + v)
    h.update(feed.topics_yaml().encode())
    sources = sorted((ROOT / "detector").rglob("*"))
    sources += [ROOT / "tests" / "integration" / "feedgen.py",
                *(ROOT / "agents" / n for n in ("ingest.py", "detect.py", "topics.py"))]
    for path in sources:
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:32]


@pytest.fixture(scope="module")
def ref(feed: feedgen.Feed) -> feedgen.Reference:
    started = time.monotonic()
    # scripts/crash_loop.sh sets a cache dir: the reference is decided once per digest
    cache_dir = os.environ.get("CLAIMWATCH_CRASH_REF_CACHE")
    cached = Path(cache_dir) / f"{reference_digest(feed)}.pickle" if cache_dir else None
    if cached is not None and cached.exists():
        r: feedgen.Reference = pickle.loads(cached.read_bytes())  # noqa: S301 - our own file
    else:
        r = feedgen.reference(feed)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps(r))
            tmp.replace(cached)
    print(f"\nreference: {len(feed.messages)} items, {len(r.alert_ids)} alerts, "
          f"{len(r.states)} claims in {time.monotonic() - started:.0f} s")
    return r


def test_the_feed_is_large_and_its_stories_are_separated(feed: feedgen.Feed,
                                                          ref: feedgen.Reference) -> None:
    assert len(feed.messages) >= 2000
    assert len(ref.alert_ids) >= 10 * COPIES
    for claim_id, items in ref.claim_items.items():
        copy = ref.states[claim_id].topic_id.rsplit("-c", 1)[1]
        assert {i.split("-", 1)[0] for i in items} == {f"c{copy}"}, claim_id


def expected_states(ref: feedgen.Reference) -> dict[str, tuple[str, dict[str, str]]]:
    return {cid: (s.status, {p: ps.stance for p, ps in s.parties})
            for cid, s in ref.states.items()}


def worker_states(worker: Worker) -> dict[str, tuple[str, dict[str, str]]]:
    from tests.integration.support import http_get

    out: dict[str, tuple[str, dict[str, str]]] = {}
    offset: int | None = 0
    while offset is not None:
        status, body = http_get(f"{worker.base}/claims?limit=500&offset={offset}")
        assert status == 200, body
        page = json.loads(body)
        for c in page["claims"]:
            out[c["claim_id"]] = (c["status"], c["stances"])
        offset = page["next_offset"]
    return out


def group_done(worker: Worker) -> bool:
    """The worker's group has committed the news and observations topics to their ends."""
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    s = worker.settings
    admin = KafkaAdminClient(bootstrap_servers=s.bootstrap_servers)
    consumer = KafkaConsumer(bootstrap_servers=s.bootstrap_servers, group_id=None)
    try:
        if hasattr(admin, "list_consumer_group_offsets"):  # kafka-python 2.x
            committed = admin.list_consumer_group_offsets(s.app_id)
        else:
            committed = admin.list_group_offsets({s.app_id: None})[s.app_id]
        wanted = [TopicPartition(topic, p) for topic in (s.news_topic, s.observations_topic)
                  for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not wanted:
            return False
        ends = consumer.end_offsets(wanted)
        return all((committed[tp].offset if tp in committed else 0) >= ends[tp]
                   for tp in wanted)
    finally:
        admin.close()
        consumer.close()


class Quiescence:
    """True once nothing has moved for QUIET_SECONDS: no item consumed (the worker's
    own counter), no new observation and no new alert. Faust can stall committing past
    a gap in its acked offsets after a redelivery (faust-streaming issues #312/#606)
    while every item has been processed; the assertions that follow (alert ids and
    claim states equal to the reference) tell a finished run from a stuck one."""

    QUIET_SECONDS = 20.0

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.last: tuple[Any, ...] | None = None
        self.since = time.monotonic()

    def snapshot(self) -> tuple[Any, ...]:
        from kafka import KafkaConsumer, TopicPartition

        s = self.worker.settings
        consumer = KafkaConsumer(bootstrap_servers=s.bootstrap_servers, group_id=None)
        try:
            tps = [TopicPartition(t, p) for t in (s.observations_topic, s.alerts_topic)
                   for p in sorted(consumer.partitions_for_topic(t) or ())]
            ends = consumer.end_offsets(tps) if tps else {}
            return tuple(sorted((tp.topic, tp.partition, o) for tp, o in ends.items()))
        finally:
            consumer.close()

    def consumed(self) -> float:
        try:
            return self.worker.metrics().get("claimwatch_items_consumed_total", -1.0)
        except (OSError, AssertionError):
            return -1.0  # between a kill and a restart: no answer is no progress

    def __call__(self) -> bool:
        now = (*self.snapshot(), self.consumed())
        if now != self.last:
            self.last, self.since = now, time.monotonic()
            return False
        return time.monotonic() - self.since >= self.QUIET_SECONDS


#: each life of the worker is killed right after it logs its k-th alert, k seeded in
#: this range (or after KILL_DEADLINE s without): the kill lands while alerts, claim
#: states and their changelog records are in flight, the moment at-least-once is about.
#: (Kills at 2 to 9 s after /health mostly landed in the first batches, before any
#: alert, and the test passed without exercising that moment.)
KILL_AFTER_ALERTS = (1, 40)
KILL_DEADLINE = 120.0
_ALERT_LINE = b"] alert "


def kill_after_alerts(worker: Worker, log_from: int, alerts: int,
                      line: bytes = _ALERT_LINE) -> int:
    """SIGKILL the worker as soon as its log, from byte `log_from`, holds `alerts`
    alert lines (the track agent logs one per alert decided), or as many lines
    holding `line`; the count seen."""
    assert worker.proc is not None
    seen, tail = 0, b""
    deadline = time.monotonic() + KILL_DEADLINE
    with worker.log_path.open("rb") as log:
        log.seek(log_from)
        while seen < alerts and time.monotonic() < deadline and worker.proc.poll() is None:
            chunk = log.read()
            if not chunk:
                time.sleep(0.001)
                continue
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            seen += sum(line in text for text in lines)
    worker.proc.kill()  # SIGKILL: no shutdown, no commit, no flush
    worker.proc.wait()
    return seen


def run_feed(worker: Worker, feed: feedgen.Feed, kills: int, rng: random.Random,
             ) -> dict[str, Any]:
    """Produce the feed, kill -9 the worker `kills` times, run it to the end."""
    started = time.monotonic()
    log_from = worker.log_path.stat().st_size if worker.log_path.exists() else 0
    worker.start()
    produce(worker.settings.bootstrap_servers, worker.settings.news_topic, feed.messages)
    killed_at = []
    for _ in range(kills):
        seen = kill_after_alerts(worker, log_from, rng.randint(*KILL_AFTER_ALERTS))
        killed_at.append((round(time.monotonic() - started, 1), seen))
        log_from = worker.log_path.stat().st_size
        worker.start()
    alerts = alerts_at_the_end(worker)
    return {"alerts": alerts, "killed_at": killed_at,
            "seconds": round(time.monotonic() - started, 1)}


def alerts_at_the_end(worker: Worker) -> list[Any]:
    """Wait until the worker's group is through the feed (or nothing moves any
    more), then every record on the alerts topic."""
    quiet = Quiescence(worker)
    wait_for(lambda: group_done(worker) or quiet(), 300, "the feed to be processed",
             interval=2)
    return consume_all(worker.settings.bootstrap_servers, worker.settings.alerts_topic,
                       idle=3, timeout=120)


def transition_key(rec: Any) -> tuple[Any, ...]:
    data = json.loads(rec.value)
    headers = dict(rec.headers)
    ev = data["evidence"]
    return (data["claim"]["id"], headers["ce_type"], ev["item_id"], ev["start"],
            json.dumps(data.get("reversal"), sort_keys=True))


def check_alerts(alerts: list[Any], ref: feedgen.Reference) -> int:
    ids = [dict(r.headers)["ce_id"].decode() for r in alerts]
    extra = {i: transition_key(r)[:4] for r, i in zip(alerts, ids, strict=True)
             if i not in ref.alert_ids}
    missing = [(t.claim_id, t.type, t.observation.item_id, t.observation.evidence.start)
               for t in ref.alerts if t.alert_id not in set(ids)]
    assert set(ids) == ref.alert_ids, (
        f"{len(set(ids) - ref.alert_ids)} alert ids not in the reference, "
        f"{len(ref.alert_ids - set(ids))} reference ids missing; "
        f"extra (claim, type, item, start): {sorted(extra.values())}; missing: {sorted(missing)}")
    by_transition: dict[tuple[Any, ...], set[str]] = {}
    for rec, alert_id in zip(alerts, ids, strict=True):
        by_transition.setdefault(transition_key(rec), set()).add(alert_id)
    twice = {k: v for k, v in by_transition.items() if len(v) > 1}
    assert not twice, f"transitions alerted under two ids: {list(twice.items())[:3]}"
    return len(ids) - len(set(ids))


@pytest.fixture
def rocksdb_worker(tmp_path: Path, broker: str) -> Iterator[Worker]:
    pytest.importorskip("rocksdict")
    worker = make_worker(tmp_path, broker, CLAIMWATCH_STORE="rocksdb://",
                         CLAIMWATCH_SESSION_TIMEOUT="8",
                         CLAIMWATCH_TOPICS_FILE=str(tmp_path / "topics.yaml"))
    yield worker
    worker.stop()


def test_an_uninterrupted_worker_emits_exactly_the_reference_alerts(
        rocksdb_worker: Worker, feed: feedgen.Feed, ref: feedgen.Reference,
        tmp_path: Path) -> None:
    feed.write_topics(tmp_path / "topics.yaml")
    run = run_feed(rocksdb_worker, feed, 0, random.Random(SEED))  # noqa: S311
    duplicates = check_alerts(run["alerts"], ref)
    assert duplicates == 0
    assert worker_states(rocksdb_worker) == expected_states(ref)
    print(f"\nuninterrupted: {len(run['alerts'])} alerts in {run['seconds']} s")


def test_kill_9_three_times_changes_no_alert_and_no_claim_state(
        rocksdb_worker: Worker, feed: feedgen.Feed, ref: feedgen.Reference,
        tmp_path: Path) -> None:
    feed.write_topics(tmp_path / "topics.yaml")
    run = run_feed(rocksdb_worker, feed, KILLS, random.Random(SEED))  # noqa: S311
    duplicates = check_alerts(run["alerts"], ref)
    types = Counter(dict(r.headers)["ce_type"].decode().split(".")[3] for r in run["alerts"])
    print(f"\ncrash run: killed at (s, alerts logged in that life) {run['killed_at']}; "
          f"{len(run['alerts'])} alert records, "
          f"{len(ref.alert_ids)} distinct, {duplicates} redelivered duplicates (same id); "
          f"{dict(types)}; {run['seconds']} s")
    want = expected_states(ref)
    assert worker_states(rocksdb_worker) == want

    # the table comes back from the changelog alone when the data dir is gone
    rocksdb_worker.stop()
    shutil.rmtree(rocksdb_worker.settings.data_dir)
    rocksdb_worker.start()
    wait_for(lambda: worker_states(rocksdb_worker) == want, 60,
             "the claims table to be recovered from its changelog")
