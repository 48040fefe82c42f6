"""Live subscribers and the HTTP API against a real broker and worker:
the seed feed's alerts reach an SSE client and two webhook receivers (one
fails three times first) once each, signed; the claims, alerts, topics and
webhooks endpoints answer as documented."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from agents.alerts import SIGNATURE_HEADER, verify
from tests.integration.support import ROOT, Worker, consume_all, make_worker, wait_for

pytestmark = pytest.mark.integration

SEEDS = ROOT / "seeds"
TOKEN = "test-token-0123456789"  # noqa: S105 - a test token
SCHEMA = Draft202012Validator(json.loads((ROOT / "schemas" / "alert.v1.schema.json")
                                         .read_text()))


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers 500 to its first `fail` posts
    and takes `delay` seconds over each answer."""

    def __init__(self, secret: str, fail: int = 0, delay: float = 0.0) -> None:
        self.secret = secret
        self.fail = fail
        self.delay = delay
        self.attempts = 0
        self.accepted: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(outer.delay)
                with outer.lock:
                    outer.attempts += 1
                    failing = outer.attempts <= outer.fail
                    if not failing:
                        outer.check(self.headers, body)
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def check(self, headers: Any, body: bytes) -> None:
        if not headers.get("Content-Type", "").startswith("application/cloudevents+json"):
            self.problems.append(f"content type {headers.get('Content-Type')}")
        if not verify(self.secret, body, headers.get(SIGNATURE_HEADER, "")):
            self.problems.append(f"bad signature {headers.get(SIGNATURE_HEADER)}")
        self.accepted.append(json.loads(body))

    def ids(self) -> list[str]:
        with self.lock:
            return [e["id"] for e in self.accepted]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SseClient:
    """Reads /alerts/stream in a thread; keeps the events (id, event, data)."""

    def __init__(self, port: int, path: str = "/alerts/stream",
                 headers: dict[str, str] | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.conn.request("GET", path, headers=headers or {})
        self.resp = self.conn.getresponse()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        current: dict[str, str] = {}
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    return
                text = line.decode().rstrip("\n")
                if not text:
                    if "data" in current:
                        self.events.append({**current, "data": json.loads(current["data"])})
                    current = {}
                elif not text.startswith(":"):
                    name, _, value = text.partition(": ")
                    current[name] = value
        except (OSError, ValueError, AttributeError):  # closed under the reader
            return

    def ids(self) -> list[str]:
        return [e["id"] for e in list(self.events)]

    def close(self) -> None:
        # shut the socket down first: close() alone waits for the reader's readline
        with contextlib.suppress(OSError):
            if self.conn.sock is not None:
                self.conn.sock.shutdown(socket.SHUT_RDWR)
        self.conn.close()


def request(worker: Worker, method: str, path: str, body: Any = None,
            token: str | None = None, raw: bytes | None = None) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", worker.settings.web_port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                        else None)
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        text = resp.read()
        assert resp.getheader("Content-Type", "").startswith("application/json"), \
            (method, path, resp.status, resp.getheader("Content-Type"))
        return resp.status, json.loads(text)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def live(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    good = Receiver("good-secret")
    flaky = Receiver("flaky-secret", fail=3)
    api_hook = Receiver("api-secret")
    hooks = [{"url": good.url, "secret": good.secret},
             {"url": flaky.url, "secret": flaky.secret}]
    worker = make_worker(tmp_path_factory.mktemp("api"), broker,
                         CLAIMWATCH_API_TOKEN=TOKEN, CLAIMWATCH_WEBHOOKS=json.dumps(hooks),
                         CLAIMWATCH_WEBHOOK_BACKOFF_SECONDS="0.2",
                         # the receivers listen on 127.0.0.1, refused by default
                         CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE="true")
    worker.start()
    sse = None
    try:
        sse = SseClient(worker.settings.web_port)
        assert sse.resp.status == 200
        assert sse.resp.getheader("Content-Type") == "text/event-stream"
        status, body = request(worker, "POST", "/webhooks",
                               {"url": api_hook.url, "secret": api_hook.secret}, token=TOKEN)
        assert status == 201, body
        done = worker.cli("replay", str(SEEDS / "feed.jsonl"), "--no-progress")
        assert done.returncode == 0, done.stderr
        alerts = consume_all(worker.settings.bootstrap_servers, worker.settings.alerts_topic,
                             idle=5, timeout=120)
        ids = [dict(r.headers)["ce_id"].decode() for r in alerts]
        assert ids, f"no alerts:\n{worker.log()}"
        want = set(ids)
        wait_for(lambda: set(sse.ids()) >= want and set(good.ids()) >= want
                 and set(flaky.ids()) >= want and set(api_hook.ids()) >= want, 60,
                 "every alert at the SSE client and both webhook receivers")
        time.sleep(1)  # anything extra would arrive now
        yield {"worker": worker, "alerts": alerts, "ids": ids, "sse": sse, "good": good,
               "flaky": flaky, "api_hook": api_hook}
    finally:
        if sse is not None:
            sse.close()
        worker.stop()
        good.close()
        flaky.close()
        api_hook.close()


def test_alerts_reach_the_sse_client_once_each_in_topic_order(live: dict[str, Any]) -> None:
    sse, ids = live["sse"], live["ids"]
    assert sorted(sse.ids()) == sorted(ids)
    assert sse.ids() == ids  # one partition: the stream keeps the topic's order
    for ev in sse.events:
        assert ev["event"] == ev["data"]["type"]
        assert ev["data"]["specversion"] == "1.0"
        assert ev["data"]["id"] == ev["id"]
        assert not list(SCHEMA.iter_errors(ev["data"]["data"]))


def test_webhooks_get_every_alert_once_signed_even_after_three_failures(
        live: dict[str, Any]) -> None:
    ids = live["ids"]
    for receiver in (live["good"], live["flaky"], live["api_hook"]):
        assert not receiver.problems
        assert Counter(receiver.ids()) == Counter(ids)
        for event in receiver.accepted:
            assert event["specversion"] == "1.0"
            assert event["type"].startswith("io.claimwatch.claim.")
            assert event["subject"] == event["data"]["claim"]["id"]
            assert not list(SCHEMA.iter_errors(event["data"]))
    assert live["flaky"].attempts == len(ids) + 3
    m = live["worker"].metrics()
    assert m['claimwatch_webhook_deliveries_total{result="delivered"}'] == 3 * len(ids)
    assert m['claimwatch_webhook_deliveries_total{result="retried"}'] == 3
    assert m['claimwatch_webhook_deliveries_total{result="failed"}'] == 0


def test_sse_resumes_after_last_event_id_with_a_topic_filter(live: dict[str, Any]) -> None:
    worker, alerts = live["worker"], live["alerts"]
    events = [json.loads(r.value) for r in alerts]
    ids = live["ids"]
    resume = SseClient(worker.settings.web_port, headers={"Last-Event-ID": ids[1]})
    try:
        wait_for(lambda: len(resume.ids()) >= len(ids) - 2, 20, "the resumed backlog")
        assert resume.ids() == ids[2:]
    finally:
        resume.close()
    topic = events[0]["claim"]["topic"]
    filtered = SseClient(worker.settings.web_port,
                         path=f"/alerts/stream?topic={topic}", headers={"Last-Event-ID": ids[0]})
    want = [i for i, e in zip(ids[1:], events[1:], strict=True) if e["claim"]["topic"] == topic]
    try:
        wait_for(lambda: len(filtered.ids()) >= len(want), 20, "the filtered backlog")
        time.sleep(0.5)
        assert filtered.ids() == want
    finally:
        filtered.close()


def test_claims_api(live: dict[str, Any]) -> None:
    worker = live["worker"]
    status, body = request(worker, "GET", "/claims")
    assert status == 200
    claims = body["claims"]
    assert body["total"] == len(claims) > 0
    alerted = {json.loads(r.value)["claim"]["id"]: json.loads(r.value)["new_status"]
               for r in live["alerts"]}
    by_id = {c["claim_id"]: c for c in claims}
    for claim_id, new_status in alerted.items():
        assert by_id[claim_id]["status"] == new_status
    status, confirmed = request(worker, "GET", "/claims?status=confirmed&limit=1")
    assert status == 200 and confirmed["limit"] == 1
    assert len(confirmed["claims"]) == 1 and confirmed["claims"][0]["status"] == "confirmed"
    if confirmed["total"] > 1:
        status, page2 = request(worker, "GET", "/claims?status=confirmed&limit=1&offset=1")
        assert page2["claims"][0]["claim_id"] != confirmed["claims"][0]["claim_id"]
    topic = claims[0]["topic_id"]
    status, by_topic = request(worker, "GET", f"/claims?topic={topic}")
    assert {c["topic_id"] for c in by_topic["claims"]} == {topic}
    assert request(worker, "GET", "/claims?status=nonsense")[0] == 400
    assert request(worker, "GET", "/claims?limit=zero")[0] == 400

    claim_id = next(iter(alerted))
    status, detail = request(worker, "GET", f"/claims/{claim_id}")
    assert status == 200
    assert detail["claim_id"] == claim_id and detail["status"] == alerted[claim_id]
    assert detail["timeline"] and detail["parties"]
    first = detail["timeline"][0]
    assert first["evidence"]["sentence"] and first["item_id"]
    status, missing = request(worker, "GET", "/claims/no-such-claim")
    assert status == 404 and missing["error"] == "not_found"


def test_alerts_api(live: dict[str, Any]) -> None:
    worker, ids = live["worker"], live["ids"]
    status, body = request(worker, "GET", "/alerts")
    assert status == 200
    assert [a["id"] for a in body["alerts"]] == list(reversed(ids))
    status, confirmed = request(worker, "GET", "/alerts?type=confirmed")
    assert confirmed["alerts"]
    assert {a["type"] for a in confirmed["alerts"]} == {"io.claimwatch.claim.confirmed.v1"}
    assert request(worker, "GET", "/alerts?limit=-1")[0] == 400


def test_topic_changes_need_the_token_and_a_valid_body(live: dict[str, Any]) -> None:
    worker = live["worker"]
    topic = {"id": "api-topic", "name": "API topic", "keywords": ["Zorbland"],
             "parties": {"Zorbland": ["Zorbland"]}}
    status, body = request(worker, "POST", "/topics", topic)
    assert status == 401 and body["error"] == "unauthorized"
    assert request(worker, "POST", "/topics", topic, token="wrong")[0] == 401  # noqa: S106
    status, body = request(worker, "POST", "/topics", raw=b"{not json", token=TOKEN)
    assert status == 400 and "not JSON" in body["detail"]
    status, body = request(worker, "POST", "/topics", {"id": "x"}, token=TOKEN)
    assert status == 400 and body["detail"]
    status, body = request(worker, "PUT", "/topics/other-id", topic, token=TOKEN)
    assert status == 400 and "other-id" in body["detail"]

    status, body = request(worker, "POST", "/topics", topic, token=TOKEN)
    assert status == 201 and body["upserted"] == ["api-topic"]
    wait_for(lambda: "api-topic" in worker.health()[1]["tracked_topics"], 30,
             "the worker to track the topic")
    status, body = request(worker, "DELETE", "/topics/api-topic", token=TOKEN)
    assert status == 200 and body["removed"] == "api-topic"
    wait_for(lambda: "api-topic" not in worker.health()[1]["tracked_topics"], 30,
             "the worker to drop the topic")


def test_webhooks_api_and_json_errors(live: dict[str, Any]) -> None:
    worker = live["worker"]
    hook = {"url": "http://127.0.0.1:9/never", "secret": "s", "topics": ["marren-strait"]}
    assert request(worker, "POST", "/webhooks", hook)[0] == 401
    status, body = request(worker, "POST", "/webhooks", {"url": "ftp://x", "secret": "s"},
                           token=TOKEN)
    assert status == 400 and "url" in body["detail"]
    status, body = request(worker, "POST", "/webhooks", hook, token=TOKEN)
    assert status == 201 and "secret" not in body
    status, listed = request(worker, "GET", "/webhooks", token=TOKEN)
    assert body["id"] in {w["id"] for w in listed["webhooks"]}
    assert all("secret" not in w for w in listed["webhooks"])
    assert request(worker, "DELETE", f"/webhooks/{body['id']}", token=TOKEN)[0] == 200
    status, body = request(worker, "GET", "/no/such/path")
    assert status == 404 and body["error"] == "not_found"


def test_tail_prints_claim_status_who_quote_and_link(live: dict[str, Any],
                                                      tmp_path: Path) -> None:
    worker = live["worker"]
    out = worker.cli("tail", "--from-beginning", "--max", str(len(live["ids"])),
                     "--timeout", "30")
    assert out.returncode == 0, out.stderr
    first = json.loads(live["alerts"][0].value)
    text = out.stdout
    assert first["claim"]["text"] in text
    assert first["evidence"]["quote"].split()[0] in text
    assert (first["evidence"]["url"] or first["evidence"]["item_id"]) in text
