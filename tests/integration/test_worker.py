"""The worker against a real broker: feed to alerts, dead letters, live topics."""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from agents.deliver import parse_cloudevent
from agents.topics import load_topics_file
from tests.integration import feedgen
from tests.integration.support import ROOT, Worker, consume_all, make_worker, produce, wait_for

pytestmark = pytest.mark.integration

SEEDS = ROOT / "seeds"


def feed_lines() -> list[bytes]:
    return [line for line in (SEEDS / "feed.jsonl").read_bytes().splitlines() if line.strip()]


def reference_alert_ids(settings: Any) -> list[str]:
    """The alert ids the core decides for the seed feed with no Kafka at all:
    the worker must emit exactly these (they are deterministic)."""
    topics = load_topics_file(SEEDS / "topics.yaml")
    ref = feedgen.decide(topics, feed_lines(), settings.max_body_bytes)
    return [t.alert_id for t in ref.alerts]


@pytest.fixture(scope="module")
def seed_run(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One worker, the seed feed replayed through the CLI, everything it produced."""
    worker = make_worker(tmp_path_factory.mktemp("seed"), broker)
    # decided first, next to the worker's start: both must run the same detector code
    reference = reference_alert_ids(worker.settings)
    worker.start()
    try:
        done = worker.cli("replay", str(SEEDS / "feed.jsonl"), "--no-progress")
        assert done.returncode == 0, done.stderr
        n = len(feed_lines())
        wait_for(lambda: worker.metrics().get("claimwatch_items_consumed_total", 0) >= n,
                 120, f"{n} items consumed")
        servers = worker.settings.bootstrap_servers
        alerts = consume_all(servers, worker.settings.alerts_topic, idle=5)
        observations = consume_all(servers, worker.settings.observations_topic, idle=1)
        yield {"worker": worker, "alerts": alerts, "observations": observations,
               "metrics": worker.metrics(), "reference": reference}
    finally:
        worker.stop()


def test_seed_feed_alerts_are_well_formed_cloudevents(seed_run: dict[str, Any]) -> None:
    alerts = seed_run["alerts"]
    assert alerts, "no alert reached the alerts topic"
    schema = json.loads((ROOT / "schemas" / "alert.v1.schema.json").read_text())
    validator = Draft202012Validator(schema)
    app_id = seed_run["worker"].settings.app_id
    for rec in alerts:
        headers = {k: v.decode() for k, v in rec.headers}
        assert headers["ce_specversion"] == "1.0"
        assert headers["ce_source"] == f"/claimwatch/{app_id}"
        assert headers["ce_type"].startswith("io.claimwatch.claim.")
        assert headers["content-type"] == "application/json"
        assert rec.key.decode() == headers["ce_subject"]
        data = json.loads(rec.value)
        assert not list(validator.iter_errors(data))
        assert data["claim"]["id"] == headers["ce_subject"]
    m = seed_run["metrics"]
    assert m["claimwatch_ingest_to_alert_seconds_count"] == len(alerts)
    assert m['claimwatch_items_duplicate_total{kind="id"}'] >= 1
    assert m['claimwatch_items_duplicate_total{kind="text"}'] >= 1


def test_seed_feed_alerts_equal_the_cores_decisions(seed_run: dict[str, Any]) -> None:
    streamed = [dict(rec.headers)["ce_id"].decode() for rec in seed_run["alerts"]]
    reference = seed_run["reference"]
    assert len(streamed) == len(set(streamed)), "an alert was emitted twice"
    assert sorted(streamed) == sorted(reference)


def test_seed_feed_meets_expected_json(seed_run: dict[str, Any]) -> None:
    from agents.evaluate.acceptance import check

    expected = json.loads((SEEDS / "expected.json").read_text())
    claims: dict[str, dict[str, Any]] = {}
    for rec in seed_run["observations"]:
        o = json.loads(rec.value)
        c = claims.setdefault(o["claim_id"], {"claim_id": o["claim_id"], "text": o["claim_text"],
                                              "status": "unverified", "observations": []})
        c["observations"].append({"sentence": o["evidence"]["sentence"], "party": o["party"],
                                  "stance": o["stance"], "when": o["when"]})
    alerts = []
    for rec in seed_run["alerts"]:
        event = parse_cloudevent(rec.headers, rec.value)
        data = event["data"]
        claims[data["claim"]["id"]]["status"] = data["new_status"]
        alerts.append({"claim_id": data["claim"]["id"], "type": event["type"].split(".")[3],
                       "reversal": data["reversal"]})
    results = check(expected, list(claims.values()), alerts)
    # the worker must conclude what the detection core concludes offline on the same feed
    # (the core's own quality is measured by tests/unit/test_acceptance.py and eval)
    from agents.offline import run_case
    from detector import Detector

    offline = run_case(SEEDS / "expected.json", Detector())["results"]
    assert {r["name"]: r["passed"] for r in results} == \
        {r["name"]: r["passed"] for r in offline}
    passed = sum(r["passed"] for r in results)
    failed = [f"{r['name']}: {'; '.join(r['problems'])}" for r in results if not r["passed"]]
    assert passed >= 14, f"{passed}/{len(results)}\n" + "\n".join(failed)


def parse_helpers(pid: int) -> list[int]:
    """The worker's parse helper processes (detector/parse.py): its spawned children."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids += [int(k) for k in (task / "children").read_text().split()]
    out = []
    for kid in kids:
        try:
            cmdline = Path(f"/proc/{kid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            out.append(kid)
    return out


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_a_worker_with_parse_helpers_emits_the_cores_alerts(broker: str, tmp_path: Path,
                                                            ) -> None:
    """With CLAIMWATCH_PARSE_HELPERS=2 the sentences are parsed in two helper processes:
    the alerts are the ones the core decides on one core, and no helper outlives the
    worker."""
    worker = make_worker(tmp_path, broker, CLAIMWATCH_PARSE_HELPERS="2")
    reference = reference_alert_ids(worker.settings)
    worker.start()
    helpers: list[int] = []
    try:
        assert worker.proc is not None
        pid = worker.proc.pid
        wait_for(lambda: len(parse_helpers(pid)) == 2, 60, "two parse helpers")
        helpers = parse_helpers(pid)
        done = worker.cli("replay", str(SEEDS / "feed.jsonl"), "--no-progress")
        assert done.returncode == 0, done.stderr
        n = len(feed_lines())
        wait_for(lambda: worker.metrics().get("claimwatch_items_consumed_total", 0) >= n,
                 120, f"{n} items consumed")
        alerts = consume_all(worker.settings.bootstrap_servers, worker.settings.alerts_topic,
                             idle=5)
        assert sorted(dict(r.headers)["ce_id"].decode() for r in alerts) == sorted(reference)
        assert all(running(h) for h in helpers), "a parse helper died during the run"
    finally:
        worker.stop()
    wait_for(lambda: not any(running(h) for h in helpers), 15, "the helpers to exit")


MALFORMED_KINDS = ("invalid_json", "invalid_utf8", "schema", "too_large", "missing_field")


def malformed(kind: str, n: int, limit: int) -> bytes:
    if kind == "invalid_json":
        return b'{"id": "bad-%d", "title": ' % n
    if kind == "invalid_utf8":
        return b'{"id": "bad-%d", "title": "\xc3\x28"}' % n
    if kind == "schema":
        return json.dumps({"id": f"bad-{n}", "title": ["not", "a", "string"]}).encode()
    if kind == "too_large":
        return json.dumps({"id": f"bad-{n}", "body": "x" * (limit + n + 1)}).encode()
    return json.dumps({"title": f"no id {n}"}).encode()


def test_malformed_messages_go_to_the_dead_letter_topic_and_valid_ones_are_processed(
        worker_factory: Callable[..., Worker]) -> None:
    limit = 20_000
    worker = worker_factory(CLAIMWATCH_MAX_BODY_BYTES=str(limit))
    valid = [json.dumps({"id": f"ok-{i}", "title": f"Local council meeting {i}",
                         "body": f"The council met on day {i} to discuss the harbour budget."
                         }).encode() for i in range(300)]
    messages: list[tuple[bytes | None, bytes | None]] = []
    bad: list[tuple[str, bytes]] = []
    for i in range(300):
        messages.append((f"ok-{i}".encode(), valid[i]))
        if i % 3 == 0 and len(bad) < 100:
            kind = MALFORMED_KINDS[len(bad) % len(MALFORMED_KINDS)]
            value = malformed(kind, len(bad), limit)
            bad.append((kind, value))
            messages.append((None, value))
    assert len(bad) == 100
    servers = worker.settings.bootstrap_servers
    sent = produce(servers, worker.settings.news_topic, messages)
    offset_of = {v: md.offset for (_, v), md in zip(messages, sent, strict=True)}

    dead = consume_all(servers, worker.settings.deadletter_topic, expect=100, idle=5,
                       timeout=120)
    assert len(dead) == 100
    letters = [json.loads(r.value) for r in dead]
    assert Counter(d["reason"] for d in letters) == Counter(k for k, _ in bad)
    by_value = {base64.b64decode(d["value_b64"]): d for d in letters}
    for kind, value in bad:
        d = by_value[value]
        assert d["reason"] == kind
        assert d["source_topic"] == worker.settings.news_topic
        assert d["offset"] == offset_of[value]
        assert d["detail"]

    m = wait_for(lambda: (lambda m: m if m.get("claimwatch_items_consumed_total") == 400
                          else None)(worker.metrics()), 60, "400 items consumed")
    assert m["claimwatch_items_accepted_total"] == 300
    assert sum(m[f'claimwatch_items_rejected_total{{reason="{k}"}}']
               for k in MALFORMED_KINDS) == 100
    assert worker.health()[0] == 200


def test_a_topic_added_through_the_compacted_topic_applies_to_the_next_item(
        worker_factory: Callable[..., Worker], tmp_path: Path) -> None:
    empty = tmp_path / "no-topics.yaml"
    empty.write_text("topics: []\n", encoding="utf-8")
    worker = worker_factory(CLAIMWATCH_TOPICS_FILE=str(empty))
    assert worker.health()[1]["tracked_topics"] == []
    servers = worker.settings.bootstrap_servers
    obs_topic = worker.settings.observations_topic

    def item(n: int) -> tuple[bytes, bytes]:
        return (f"q-{n}".encode(), json.dumps({
            "id": f"q-{n}", "source": "Quarry Gazette",
            "title": f"Quarrytown mayor confirms bridge closure ({n})",
            "body": f"Mayor Ilsa Brandt confirmed on day {n} that the Quarrytown bridge will "
                    "close for repairs, the town council said in a statement."}).encode())

    def consumed() -> float:
        return worker.metrics().get("claimwatch_items_consumed_total", 0)

    produce(servers, worker.settings.news_topic, [item(1)])
    wait_for(lambda: consumed() >= 1, 60, "the first item")
    time.sleep(1)
    assert worker.metrics()["claimwatch_items_accepted_total"] == 1
    assert sum(v for k, v in worker.metrics().items()
               if k.startswith("claimwatch_observations_total")) == 0

    topic_file = tmp_path / "quarry.yaml"
    topic_file.write_text(
        "topics:\n"
        "  - id: quarrytown-bridge\n"
        "    name: Quarrytown bridge\n"
        "    keywords: [Quarrytown]\n"
        "    parties:\n"
        "      Quarrytown council: [Quarrytown council, town council, Ilsa Brandt, mayor]\n",
        encoding="utf-8")
    added = worker.cli("topics", "add", str(topic_file))
    assert added.returncode == 0, added.stderr
    # no waiting: the very next item must see the topic
    produce(servers, worker.settings.news_topic, [item(2)])
    observed = consume_all(servers, obs_topic, expect=1, idle=2, timeout=60)
    assert observed, f"no observation for the item after the topic was added:\n{worker.log()}"
    assert {json.loads(r.value)["item_id"] for r in observed} == {"q-2"}
    assert worker.health()[1]["tracked_topics"] == ["quarrytown-bridge"]

    listed = worker.cli("topics", "list")
    assert listed.returncode == 0 and "quarrytown-bridge" in listed.stdout

    removed = worker.cli("topics", "remove", "quarrytown-bridge")
    assert removed.returncode == 0, removed.stderr
    produce(servers, worker.settings.news_topic, [item(3)])
    wait_for(lambda: consumed() >= 3, 60, "the third item")
    time.sleep(1)
    after = consume_all(servers, obs_topic, idle=2, timeout=30)
    assert {json.loads(r.value)["item_id"] for r in after} == {"q-2"}
    assert worker.health()[1]["tracked_topics"] == []
    # the items were held until the topic changes before them were applied, not
    # let through after a failed or timed-out check
    assert "not confirmed current" not in worker.log(tail=None)
