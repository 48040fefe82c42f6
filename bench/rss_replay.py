"""Long-run memory (not a test): replay N items through a real worker and
sample its RSS over time, to see whether memory stays bounded.

    python bench/rss_replay.py                       # needs a broker: CLAIMWATCH_BROKER
    python bench/rss_replay.py --items 100000 --retention 60 --store memory://

The items are bench_pipeline's ~2.5 KB news items, 1 in `--every` mentioning
a tracked topic (those open claims: the claims table and the detector's index
grow with claims, not with items). The worker runs on fresh topics with the
items table's retention set to `--retention` seconds, so records expire
during the run; with the memory store (the default here) the items table
lives in the worker's RAM, the case where an unbounded table shows first.
Every `--interval` seconds: elapsed time, items consumed (the worker's own
counter) and VmRSS from /proc. The topics are deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
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
sys.path.insert(0, str(ROOT / "bench"))

from bench_pipeline import fill, free_port, stream  # noqa: E402

from agents.settings import Settings  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def consumed(port: int) -> float:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                    timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return -1.0
    for line in text.splitlines():
        if line.startswith("claimwatch_items_consumed_total "):
            return float(line.split()[1])
    return 0.0


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health",
                                    timeout=5) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def changelog_counts(servers: list[str], topic: str) -> dict[str, int]:
    """Records, tombstones and keys still live on the items table's changelog."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=servers, group_id=None,
                             enable_auto_commit=False)
    live: dict[bytes, bool] = {}
    records = tombstones = 0
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic)
                                                          or ())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            for batch in consumer.poll(timeout_ms=1000).values():
                for rec in batch:
                    records += 1
                    tombstones += rec.value is None
                    live[rec.key] = rec.value is not None
    finally:
        consumer.close()
    return {"records": records, "tombstones": tombstones,
            "live_keys": sum(live.values())}


def delete_topics(servers: list[str], names: list[str]) -> None:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=servers)
    try:
        existing = set(admin.list_topics())
        doomed = [n for n in names if n in existing]
        if doomed:
            admin.delete_topics(doomed)
    finally:
        admin.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--every", type=int, default=50, help="1 relevant item in N")
    ap.add_argument("--retention", type=float, default=60.0,
                    help="CLAIMWATCH_ITEMS_RETENTION_SECONDS for the run")
    ap.add_argument("--store", default="memory://")
    ap.add_argument("--interval", type=float, default=5.0)
    ap.add_argument("--timeout", type=float, default=3600.0)
    ap.add_argument("--json", type=Path, help="also write the samples here")
    args = ap.parse_args()

    broker = os.environ.get("CLAIMWATCH_BROKER", "kafka://127.0.0.1:9092")
    servers = Settings(broker=broker).bootstrap_servers
    run = uuid.uuid4().hex[:8]
    names = {k: f"rss-{run}.{k}" for k in ("news", "observations", "alerts", "deadletter",
                                          "topics", "claims", "webhooks")}
    port = free_port()
    datadir = Path(tempfile.mkdtemp(prefix=f"claimwatch-rss-{run}-"))
    env = {
        "CLAIMWATCH_BROKER": broker, "CLAIMWATCH_APP_ID": f"rss-{run}",
        **{f"CLAIMWATCH_{k.upper()}_TOPIC": v for k, v in names.items()},
        "CLAIMWATCH_TOPICS_FILE": str(ROOT / "seeds" / "topics.yaml"),
        "CLAIMWATCH_DATA_DIR": str(datadir), "CLAIMWATCH_WEB_PORT": str(port),
        "CLAIMWATCH_STORE": args.store,
        "CLAIMWATCH_ITEMS_RETENTION_SECONDS": str(args.retention),
    }
    print(f"filling {names['news']} with {args.items} items...", flush=True)
    fill(servers, names["news"], stream(args.items, every=args.every, seed=7, prefix=run))
    log = (datadir / "worker.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "agents.cli", "worker"], cwd=ROOT,
        env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    samples: list[dict[str, Any]] = []
    started = time.monotonic()
    try:
        while not healthy(port):
            if proc.poll() is not None or time.monotonic() - started > 300:
                raise SystemExit(f"the worker did not start; see {log.name}")
            time.sleep(0.5)
        print(f"{'s':>6} {'items':>8} {'RSS MB':>8}", flush=True)
        done_at = None
        while time.monotonic() - started < args.timeout:
            n = consumed(port)
            sample = {"s": round(time.monotonic() - started, 1), "items": int(n),
                      "rss_mb": round(rss_mb(proc.pid), 1)}
            samples.append(sample)
            print(f"{sample['s']:>6} {sample['items']:>8} {sample['rss_mb']:>8}", flush=True)
            if n >= args.items and done_at is None:
                done_at = time.monotonic()
            # a few samples after the end: memory once the stream is idle
            if done_at is not None and time.monotonic() - done_at > 3 * args.interval:
                break
            time.sleep(args.interval)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        changelog = f"rss-{run}-items-changelog"
        counts = changelog_counts(servers, changelog)
        print(f"items changelog: {counts['records']} records, {counts['tombstones']} "
              f"deletes, {counts['live_keys']} keys live at the end", flush=True)
        delete_topics(servers, [*names.values(), changelog, f"rss-{run}-claims-changelog"])
    peak = max(s["rss_mb"] for s in samples)
    print(f"peak RSS {peak} MB over {samples[-1]['items']} items; worker log {log.name}")
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                         "samples": samples}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
