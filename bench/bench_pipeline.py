"""Pipeline benchmark (not a test): items/s through four consumers of the same
stream, ingest-to-alert latency at a steady offered rate, and peak RSS.

    python bench/bench_pipeline.py                # needs a broker: CLAIMWATCH_BROKER
    python bench/bench_pipeline.py --items 20000 --latency-seconds 60 --rate 50

(a) a bare aiokafka consumer that decodes each item's JSON (in this process)
(b) a bare Faust agent decoding the same JSON (a child process)
(c) the claimwatch worker on items that match no tracked topic
(d) the claimwatch worker on a stream where 1 item in 10 mentions a tracked topic
(e) as (d), two workers in one consumer group on a 2-partition topic (both cores)
(f) as (d), one worker with parse helper processes (CLAIMWATCH_PARSE_HELPERS,
    --helpers, default 1): the other way to use both cores; its RSS counts the
    helpers'
then the worker at a steady offered rate, 1 in 10 items relevant: ingest-to-alert
latency = alert record timestamp - time the news item was sent, per alert.

Each run gets fresh topics and app ids; throughput is measured between the
5% and 95% marks of a pre-filled topic (startup excluded). Machines here are
noisy: read the ratios against (b), measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agents.settings import Settings  # noqa: E402

#: neutral vocabulary: no tracked topic's keyword or party alias
_TEXT = {
    "adj": (
        "quiet annual northern eastern modest public seasonal local wooden historic "
        "narrow busy coastal upper lower central rural municipal"
    ),
    "noun": (
        "harbour budget ferry timetable library roof festival parade orchard bakery "
        "railway depot museum archive bridge tunnel reservoir lighthouse market square "
        "garden school clinic tram stadium canal"
    ),
    "verb": (
        "reviewed approved discussed postponed renovated inspected expanded funded "
        "visited praised repainted measured"
    ),
    "place": (
        "Amberfield Coldwater Brinmouth Dunmere Elstow Farnley Glenholt Hartwell "
        "Ivybridge Kelling Lowmoor Northby"
    ),
    "day": (
        "Monday Tuesday Wednesday Thursday Friday Saturday"
    ),
}
WORDS = {k: v.split() for k, v in _TEXT.items()}
TARGET_BYTES = 2500


class Gen:
    """Deterministic ~2.5 KB news items; relevant ones mention a seed topic."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible text, not secrets

    def pick(self, kind: str) -> str:
        return self.rng.choice(WORDS[kind])

    def sentence(self) -> str:
        return (f"The {self.pick('adj')} {self.pick('noun')} committee in {self.pick('place')} "
                f"{self.pick('verb')} the {self.pick('adj')} {self.pick('noun')} plan on "
                f"{self.pick('day')}, officials said after a {self.rng.randint(2, 90)} minute "
                "meeting.")

    def body(self, lead: str = "") -> str:
        parts = [lead] if lead else []
        size = len(lead)
        while size < TARGET_BYTES - 200:
            s = self.sentence()
            parts.append(s)
            size += len(s) + 1
        return " ".join(parts)

    def item(self, item_id: str, relevant: bool) -> bytes:
        lead = ""
        if relevant:
            lead = (f"Medrix Pharma confirmed on {self.pick('day')} that it had closed its "
                    f"{self.pick('noun')} research centre in {self.pick('place')} number "
                    f"{self.rng.randint(1, 10**6)}.")
        return json.dumps({
            "id": item_id, "title": f"{self.pick('place')} {self.pick('noun')} update",
            "body": self.body(lead), "source": "Bench Wire",
            "url": f"https://bench.example.org/{item_id}",
            "published_at": "2026-03-02T10:00:00Z"}).encode()


def stream(n: int, *, every: int | None, seed: int, prefix: str) -> list[tuple[bytes, bytes]]:
    gen = Gen(seed)
    out = []
    for i in range(n):
        item_id = f"{prefix}-{i}"
        out.append((item_id.encode(), gen.item(item_id, bool(every) and i % every == 0)))
    return out


# -- Kafka helpers --------------------------------------------------------------

def create_topic(servers: list[str], name: str, partitions: int = 1) -> None:
    from agents.client import ensure_topic

    ensure_topic(servers, name, partitions)


def fill(servers: list[str], topic: str, messages: list[tuple[bytes, bytes]],
         partitions: int = 1) -> None:
    from kafka import KafkaProducer

    create_topic(servers, topic, partitions)
    prod = KafkaProducer(bootstrap_servers=servers, acks=1, linger_ms=20,
                         batch_size=256 * 1024, compression_type=None)
    for k, v in messages:
        prod.send(topic, key=k, value=v)
    prod.flush()
    prod.close()


def peak_rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def family_peak_rss_mb(pid: int) -> float:
    """Peak RSS of a process and its children (a worker's parse helpers)."""
    kids: list[str] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids += (task / "children").read_text().split()
    return peak_rss_mb(pid) + sum(peak_rss_mb(k) for k in kids)


def marks(n: int) -> tuple[int, int]:
    return max(1, n // 20), max(2, n - n // 20)


def rate(n: int, t_lo: float, t_hi: float) -> float:
    lo, hi = marks(n)
    return (hi - lo) / (t_hi - t_lo)


#: seconds between two reads of a worker's /metrics while it consumes: each read
#: costs the worker a scrape (a Prometheus scrapes every 15 s), and at 20 reads a
#: second the scrapes took 3% of its time; the marks are interpolated instead
POLL = 0.25


def crossing(samples: list[tuple[float, float]], mark: float) -> float:
    """When the count reached `mark`, linear between the two (time, count) reads
    around it."""
    for (t0, c0), (t1, c1) in itertools.pairwise(samples):
        if c0 < mark <= c1:
            return t0 + (t1 - t0) * (mark - c0) / (c1 - c0)
    raise ValueError(f"no read brackets {mark}")


# -- (a) bare aiokafka ----------------------------------------------------------

async def bare_aiokafka(servers: list[str], topic: str, n: int) -> dict[str, float]:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(topic, bootstrap_servers=servers, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    lo, hi = marks(n)
    count, t_lo, t_hi = 0, 0.0, 0.0
    try:
        while count < n:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for rec in records:
                    json.loads(rec.value)
                    count += 1
                    if count == lo:
                        t_lo = time.perf_counter()
                    if count == hi:
                        t_hi = time.perf_counter()
    finally:
        await consumer.stop()
    return {"items_per_s": rate(n, t_lo, t_hi), "peak_rss_mb": peak_rss_mb()}


# -- (b) bare Faust agent (child process) -----------------------------------------

def faust_child(broker: str, topic: str, n: int, out: str) -> None:
    import faust

    app = faust.App(f"bench-bare-{uuid.uuid4().hex[:8]}", broker=broker, store="memory://",
                    web_enabled=False, autodiscover=False, datadir=tempfile.mkdtemp(),
                    consumer_auto_offset_reset="earliest")
    source = app.topic(topic, key_serializer="raw", value_serializer="raw")
    lo, hi = marks(n)
    state = {"count": 0, "t_lo": 0.0, "t_hi": 0.0}

    @app.agent(source)
    async def decode(values: Any) -> None:
        async for value in values:
            json.loads(value)
            state["count"] += 1
            c = state["count"]
            if c == lo:
                state["t_lo"] = time.perf_counter()
            if c == hi:
                state["t_hi"] = time.perf_counter()
            if c == n:
                Path(out).write_text(json.dumps({  # noqa: ASYNC240 - once, at the end
                    "items_per_s": rate(n, state["t_lo"], state["t_hi"]),
                    "peak_rss_mb": peak_rss_mb()}))
                os.kill(os.getpid(), signal.SIGTERM)

    sys.argv = ["bench-faust", "worker", "--loglevel", "warn", "--without-web"]
    app.main()


def bare_faust(broker: str, topic: str, n: int, timeout: float) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, __file__, "--child-faust", broker, topic, str(n), out],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise SystemExit("bench: the bare Faust agent did not finish in time") from None
    result = json.loads(Path(out).read_text() or "{}")
    os.unlink(out)
    if not result:
        raise SystemExit("bench: the bare Faust agent reported nothing")
    return result


# -- (c), (d), latency: the worker ----------------------------------------------------

class Worker:
    def __init__(self, broker: str, news_topic: str, datadir: Path, port: int,
                 run: str | None = None, partitions: int = 1,
                 env: dict[str, str] | None = None) -> None:
        """One worker process; workers given the same `run` share one group."""
        run = run or uuid.uuid4().hex[:8]
        self.env = {
            "CLAIMWATCH_BROKER": broker, "CLAIMWATCH_APP_ID": f"bench-{run}",
            "CLAIMWATCH_NEWS_TOPIC": news_topic,
            "CLAIMWATCH_OBSERVATIONS_TOPIC": f"bench-{run}.observations",
            "CLAIMWATCH_ALERTS_TOPIC": f"bench-{run}.alerts",
            "CLAIMWATCH_DEADLETTER_TOPIC": f"bench-{run}.deadletter",
            "CLAIMWATCH_TOPICS_TOPIC": f"bench-{run}.topics",
            "CLAIMWATCH_CLAIMS_TOPIC": f"bench-{run}.claims",
            "CLAIMWATCH_WEBHOOKS_TOPIC": f"bench-{run}.webhooks",
            "CLAIMWATCH_PARTITIONS": str(partitions),
            "CLAIMWATCH_TOPICS_FILE": str(ROOT / "seeds" / "topics.yaml"),
            "CLAIMWATCH_DATA_DIR": str(datadir), "CLAIMWATCH_WEB_PORT": str(port),
            **(env or {}),
        }
        self.base = f"http://127.0.0.1:{port}"
        datadir.mkdir(parents=True, exist_ok=True)
        self.log = open(datadir / f"worker-{run}-{port}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "agents.cli", "worker"], cwd=ROOT,
            env={**os.environ, **self.env}, stdout=self.log, stderr=subprocess.STDOUT)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as r:  # noqa: S310
                return r.status, r.read().decode()
        except OSError:
            return 0, ""

    def metric(self, name: str) -> float:
        _, text = self.get("/metrics")
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return 0.0

    def wait_healthy(self, timeout: float = 180) -> None:
        end = time.monotonic() + timeout
        while self.get("/health")[0] != 200:
            if self.proc.poll() is not None or time.monotonic() > end:
                raise SystemExit(f"bench: the worker did not start; see {self.log.name}")
            time.sleep(0.2)

    def stop(self) -> float:
        rss = family_peak_rss_mb(self.proc.pid)
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        return rss


def worker_throughput(broker: str, topic: str, n: int, datadir: Path, port: int,
                      timeout: float, env: dict[str, str] | None = None) -> dict[str, float]:
    w = Worker(broker, topic, datadir, port, env=env)
    try:
        w.wait_healthy()
        lo, hi = marks(n)
        samples: list[tuple[float, float]] = []
        end = time.monotonic() + timeout
        while True:
            count = w.metric("claimwatch_items_consumed_total")
            samples.append((time.perf_counter(), count))
            if count >= n or time.monotonic() > end:
                break
            time.sleep(POLL)
        if count < n or samples[0][1] >= lo:
            raise SystemExit(f"bench: the worker consumed {count:.0f}/{n} in time "
                             f"(from {samples[0][1]:.0f})")
        return {"items_per_s": rate(n, crossing(samples, lo), crossing(samples, hi)),
                "peak_rss_mb": w.stop(),
                "alerts": w.metric("claimwatch_alerts_total")}
    finally:
        if w.proc.poll() is None:
            w.stop()


def group_throughput(broker: str, topic: str, n: int, datadir: Path, workers: int,
                     timeout: float) -> dict[str, float]:
    """Items/s of `workers` workers in one group, from the moment every one of
    them holds news partitions (their startup and the rebalances excluded) to
    the 95% mark of the topic."""
    run = uuid.uuid4().hex[:8]
    ws = [Worker(broker, topic, datadir / f"w{i}", free_port(), run=run, partitions=workers)
          for i in range(workers)]
    try:
        for w in ws:
            w.wait_healthy()

        def assigned(w: Worker) -> bool:
            _, body = w.get("/health")
            parts = json.loads(body or "{}").get("assigned_partitions", [])
            return any(p.startswith(topic + ":") for p in parts)

        def consumed() -> float:
            return sum(w.metric("claimwatch_items_consumed_total") for w in ws)

        end = time.monotonic() + timeout
        while not all(assigned(w) for w in ws):
            if time.monotonic() > end:
                raise SystemExit("bench: the workers did not share the partitions in time")
            time.sleep(0.2)
        c_lo, t_lo = consumed(), time.perf_counter()
        _, hi = marks(n)
        samples = [(t_lo, c_lo)]
        while True:
            time.sleep(POLL)
            count = consumed()
            samples.append((time.perf_counter(), count))
            if count >= n or time.monotonic() > end:
                break
        if count < n or c_lo >= hi:
            raise SystemExit(f"bench: the workers consumed {count:.0f}/{n} (from {c_lo:.0f})")
        alerts = sum(w.metric("claimwatch_alerts_total") for w in ws)
        return {"items_per_s": (hi - c_lo) / (crossing(samples, hi) - t_lo),
                "peak_rss_mb": max(w.stop() for w in ws), "alerts": alerts,
                "measured_from_item": c_lo}
    finally:
        for w in ws:
            if w.proc.poll() is None:
                w.stop()


def latency(broker: str, servers: list[str], offered: float, seconds: float, datadir: Path,
            port: int) -> dict[str, float]:
    from kafka import KafkaProducer

    topic = f"bench-{uuid.uuid4().hex[:8]}.latency"
    create_topic(servers, topic)
    w = Worker(broker, topic, datadir, port)
    try:
        w.wait_healthy()
        n = int(offered * seconds)
        gen = Gen(99)
        prod = KafkaProducer(bootstrap_servers=servers, acks=1, linger_ms=0)
        sent_at: dict[str, float] = {}
        start = time.monotonic()
        for i in range(n):
            delay = start + i / offered - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            item_id = f"lat-{i}"
            value = gen.item(item_id, i % 10 == 0)
            sent_at[item_id] = time.time()
            prod.send(topic, key=item_id.encode(), value=value)
        prod.flush()
        prod.close()
        end = time.monotonic() + 120
        while w.metric("claimwatch_items_consumed_total") < n and time.monotonic() < end:
            time.sleep(0.2)
        time.sleep(3)
        alerts_topic = w.env["CLAIMWATCH_ALERTS_TOPIC"]
        lat = []
        from kafka import KafkaConsumer, TopicPartition

        consumer = KafkaConsumer(bootstrap_servers=servers, group_id=None,
                                 enable_auto_commit=False)
        tp = TopicPartition(alerts_topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        last = consumer.end_offsets([tp])[tp]
        while consumer.position(tp) < last:
            for records in consumer.poll(timeout_ms=500).values():
                for rec in records:
                    item_id = json.loads(rec.value)["evidence"]["item_id"]
                    if item_id in sent_at:
                        lat.append(rec.timestamp / 1000 - sent_at[item_id])
        consumer.close()
        lat.sort()
        if not lat:
            raise SystemExit("bench: no alert in the latency run")
        q = statistics.quantiles(lat, n=100, method="inclusive")
        return {"offered_per_s": offered, "items": n, "alerts": len(lat),
                "p50_s": statistics.median(lat), "p99_s": q[98], "max_s": lat[-1],
                "peak_rss_mb": w.stop()}
    finally:
        if w.proc.poll() is None:
            w.stop()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-faust":
        faust_child(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
        return 0
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=50.0, help="offered items/s for latency")
    parser.add_argument("--latency-seconds", type=float, default=60.0)
    parser.add_argument("--only", default="a,b,c,d,e,f,latency")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--helpers", type=int, default=1, help="parse helpers for (f)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    settings = Settings()
    broker, servers = settings.faust_broker, settings.bootstrap_servers
    from agents.client import BrokerUnreachable, check_broker

    try:
        check_broker(servers)
    except BrokerUnreachable as exc:
        print(f"bench: {exc} (set CLAIMWATCH_BROKER or run scripts/kafka.sh start)",
              file=sys.stderr)
        return 2
    only = set(args.only.split(","))
    run = uuid.uuid4().hex[:8]
    n = args.items
    results: dict[str, Any] = {"items": n, "cpus": os.cpu_count()}
    datadir = Path(tempfile.mkdtemp(prefix="claimwatch-bench-"))

    def say(msg: str) -> None:
        print(f"bench: {msg}", file=sys.stderr, flush=True)

    plain = f"bench-{run}.plain"
    if only & {"a", "b", "c"}:
        say(f"generating and producing {n} items (none relevant)")
        msgs = stream(n, every=None, seed=1, prefix="p")
        size = sum(len(v) for _, v in msgs) / n
        results["item_bytes"] = round(size)
        fill(servers, plain, msgs)
        del msgs
    if "a" in only:
        say("(a) bare aiokafka consumer")
        results["a_aiokafka"] = asyncio.run(bare_aiokafka(servers, plain, n))
    if "b" in only:
        say("(b) bare Faust agent")
        results["b_faust"] = bare_faust(broker, plain, n, args.timeout)
    if "c" in only:
        say("(c) worker, no item relevant")
        results["c_worker_irrelevant"] = worker_throughput(broker, plain, n, datadir,
                                                           free_port(), args.timeout)
    mixed = f"bench-{run}.mixed"
    if only & {"d", "f"}:
        say(f"producing {n} items, 1 in 10 relevant")
        fill(servers, mixed, stream(n, every=10, seed=2, prefix="m"))
    if "d" in only:
        say("(d) worker, 1 in 10 relevant")
        results["d_worker_1in10"] = worker_throughput(broker, mixed, n, datadir,
                                                      free_port(), args.timeout)
    if "f" in only:
        say(f"(f) worker with {args.helpers} parse helper(s), 1 in 10 relevant")
        results["f_helpers_1in10"] = worker_throughput(
            broker, mixed, n, datadir, free_port(), args.timeout,
            env={"CLAIMWATCH_PARSE_HELPERS": str(args.helpers)})
        results["f_helpers_1in10"]["helpers"] = args.helpers
    if "e" in only:
        mixed2 = f"bench-{run}.mixed2"
        say(f"producing {n} items, 1 in 10 relevant, on 2 partitions")
        fill(servers, mixed2, stream(n, every=10, seed=2, prefix="m"), partitions=2)
        say("(e) two workers in one group, 1 in 10 relevant")
        results["e_two_workers_1in10"] = group_throughput(broker, mixed2, n, datadir, 2,
                                                          args.timeout)
    b = results.get("b_faust", {}).get("items_per_s")
    if b:
        for key, label in (("c_worker_irrelevant", "c/b"), ("d_worker_1in10", "d/b"),
                           ("e_two_workers_1in10", "e/b"), ("f_helpers_1in10", "f/b")):
            if key in results:
                results[label] = results[key]["items_per_s"] / b
    if "latency" in only:
        say(f"latency: {args.rate:g} items/s for {args.latency_seconds:g} s, 1 in 10 relevant")
        results["latency"] = latency(broker, servers, args.rate, args.latency_seconds,
                                     datadir, free_port())
    results["bench_peak_rss_mb"] = peak_rss_mb()
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def report(r: dict[str, Any]) -> None:
    print(f"items: {r['items']} of ~{r.get('item_bytes', '?')} bytes; cpus: {r['cpus']}")
    for key, label in (("a_aiokafka", "(a) bare aiokafka + json"),
                       ("b_faust", "(b) bare Faust agent + json"),
                       ("c_worker_irrelevant", "(c) worker, nothing relevant"),
                       ("d_worker_1in10", "(d) worker, 1 in 10 relevant"),
                       ("e_two_workers_1in10", "(e) 2 workers, 1 in 10 relevant"),
                       ("f_helpers_1in10", "(f) parse helpers, 1 in 10")):
        if key in r:
            v = r[key]
            print(f"{label:<32} {v['items_per_s']:>9.0f} items/s   peak RSS "
                  f"{v['peak_rss_mb']:.0f} MB")
    if "e_two_workers_1in10" in r and "d_worker_1in10" in r:
        print(f"ratio e/d (two workers against one): "
              f"{r['e_two_workers_1in10']['items_per_s'] / r['d_worker_1in10']['items_per_s']:.2f}")
    if "f_helpers_1in10" in r and "d_worker_1in10" in r:
        print(f"ratio f/d ({r['f_helpers_1in10']['helpers']} parse helper(s) against none): "
              f"{r['f_helpers_1in10']['items_per_s'] / r['d_worker_1in10']['items_per_s']:.2f}")
    for label in ("c/b", "d/b", "e/b", "f/b"):
        if label in r:
            print(f"ratio {label}: {r[label]:.2f}")
    if "latency" in r:
        lat = r["latency"]
        print(f"ingest-to-alert at {lat['offered_per_s']:g} items/s offered ({lat['items']} "
              f"items, {lat['alerts']} alerts): p50 {lat['p50_s'] * 1000:.0f} ms, "
              f"p99 {lat['p99_s'] * 1000:.0f} ms, max {lat['max_s'] * 1000:.0f} ms; worker "
              f"peak RSS {lat['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
