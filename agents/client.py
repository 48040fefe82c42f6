"""The command line's Kafka side (kafka-python): replay, tail, topics.

Each function returns an exit status and prints one clear line per problem;
a broker that cannot be reached is BrokerUnreachable (exit 2 in the CLI).
"""

from __future__ import annotations

import json
import socket
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from agents.deliver import alert_type_of, parse_cloudevent
from agents.feeds import FeedError, FeedProblem, FeedRecord, open_feed
from agents.settings import Settings
from agents.topics import TopicFileError, encode_topic, load_topics_file

CONNECT_TIMEOUT = 3.0


class BrokerUnreachable(RuntimeError):
    """No bootstrap server accepted a connection."""


def check_broker(servers: list[str], timeout: float = CONNECT_TIMEOUT) -> None:
    """Fail fast (kafka-python alone would retry for a minute)."""
    last: OSError | None = None
    for hp in servers:
        host, _, port = hp.rpartition(":")
        try:
            socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)),
                                     timeout=timeout).close()
            return
        except (OSError, ValueError) as exc:
            last = exc if isinstance(exc, OSError) else OSError(str(exc))
    why = (last.strerror or str(last)) if last else "no servers given"
    raise BrokerUnreachable(f"cannot reach the Kafka broker at {','.join(servers)}: {why}")


def ensure_topic(servers: list[str], name: str, partitions: int = 1,
                 compacted: bool = False) -> bool:
    """Create the topic when missing; True when it was created."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=servers, client_id="claimwatch-cli")
    try:
        if name in set(admin.list_topics()):
            return False
        configs = {"cleanup.policy": "compact"} if compacted else {}
        try:
            admin.create_topics([NewTopic(name, num_partitions=partitions,
                                          replication_factor=1, topic_configs=configs)])
        except TopicAlreadyExistsError:
            return False
        return True
    finally:
        admin.close()


def producer(servers: list[str], **kwargs: Any) -> Any:
    from kafka import KafkaProducer

    return KafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=5,
                         client_id="claimwatch-cli", **kwargs)


# -- replay -------------------------------------------------------------------

def replay(settings: Settings, path: Path, *, topic: str | None = None,
           rate: float | None = None, fmt: str | None = None, progress: bool | None = None,
           out: TextIO | None = None) -> int:
    """Send a JSONL or CSV feed to the news topic, keyed by item id."""
    from tqdm import tqdm

    out = out or sys.stderr
    topic = topic or settings.news_topic
    servers = settings.bootstrap_servers
    try:
        handle, records = open_feed(path, fmt)
    except FeedError as exc:
        print(f"claimwatch replay: {exc}", file=out)
        return 1
    check_broker(servers)
    ensure_topic(servers, topic, settings.partitions)
    prod = producer(servers, max_request_size=max(1_048_576, settings.max_body_bytes * 2))
    sent = skipped = failed = 0
    errors: list[str] = []

    def on_error(line: int) -> Callable[[Exception], None]:
        def errback(exc: Exception) -> None:
            nonlocal failed
            failed += 1
            errors.append(f"{path}:{line}: not delivered: {exc}")
        return errback

    total = path.stat().st_size
    bar = tqdm(total=total, unit="B", unit_scale=True, desc=f"replay {path.name}", file=out,
               disable=(not progress) if progress is not None else None, leave=False)
    started = time.monotonic()
    try:
        with handle:
            for rec in records:
                bar.update(rec.size)
                if isinstance(rec, FeedProblem):
                    skipped += 1
                    bar.clear()
                    print(f"{path}:{rec.line}: skipped: {rec.reason}", file=out)
                    continue
                if rate:
                    delay = started + sent / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                try:
                    prod.send(topic, key=rec.key, value=rec.value).add_errback(
                        on_error(rec.line))
                except Exception as exc:  # e.g. a record over the size limit
                    failed += 1
                    errors.append(f"{path}:{rec.line}: not sent: {exc}")
                    continue
                sent += 1
                bar.set_postfix(items=sent, refresh=False)
            prod.flush()
    except FeedError as exc:
        bar.close()
        print(f"claimwatch replay: {path}: {exc}", file=out)
        return 1
    finally:
        bar.close()
        prod.close()
    for line in errors:
        print(line, file=out)
    took = time.monotonic() - started
    print(f"replayed {sent - failed} items to {topic} in {took:.1f} s"
          + (f"; skipped {skipped} malformed" if skipped else "")
          + (f"; {failed} failed" if failed else ""), file=out)
    return 1 if skipped or failed else 0


# -- tail ---------------------------------------------------------------------

def format_alert(event: dict[str, Any]) -> str:
    """One readable line: time, TYPE, claim, previous -> new status, where each
    party stands, who said the quote, "quote", link."""
    data = event.get("data") or {}
    claim = data.get("claim") or {}
    ev = data.get("evidence") or {}
    stances = data.get("party_stances") or {}
    who = ", ".join(f"{p}: {s}" for p, s in stances.items()) or "-"
    rev = data.get("reversal")
    if rev:
        who += f"; {rev.get('party')} reversed {rev.get('from')} -> {rev.get('to')}"
    quote = " ".join(str(ev.get("quote") or "").split())
    if len(quote) > 160:
        quote = quote[:157] + "..."
    link = ev.get("url") or f"item {ev.get('item_id')}"
    kind = alert_type_of(str(event.get("type", "?"))).upper()
    speaker, party = ev.get("speaker"), ev.get("party")
    said = speaker or party or ""
    if speaker and party and party.casefold() not in speaker.casefold():
        said = f"{speaker} ({party})"
    said = f"{said}: " if said else ""
    prev = data.get("previous_status")
    change = f"{prev} -> {data.get('new_status', '?')}" if prev else \
        f"-> {data.get('new_status', '?')}"
    return (f"{event.get('time', '?')}  {kind:<9} {claim.get('text', '?')!s}"
            f"  {change}  [{who}]  {said}\"{quote}\"  {link}")


def iter_alerts(settings: Settings, *, topic: str | None = None, from_beginning: bool = False,
                timeout: float | None = None, idle: bool = False,
                ) -> Iterable[dict[str, Any] | None]:
    """CloudEvents from the alerts topic as they arrive (no consumer group);
    with `idle`, also None after each poll that brought nothing."""
    from kafka import KafkaConsumer, TopicPartition

    topic = topic or settings.alerts_topic
    servers = settings.bootstrap_servers
    check_broker(servers)
    ensure_topic(servers, topic, settings.partitions)
    consumer = KafkaConsumer(bootstrap_servers=servers, group_id=None,
                             enable_auto_commit=False, client_id="claimwatch-tail")
    try:
        deadline = time.monotonic() + timeout if timeout else None
        parts: set[int] | None = None
        while parts is None:
            parts = consumer.partitions_for_topic(topic)
            if parts is None:
                if deadline and time.monotonic() > deadline:
                    return
                time.sleep(0.2)
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        if from_beginning:
            consumer.seek_to_beginning(*tps)
        else:
            consumer.seek_to_end(*tps)
            for tp in tps:  # resolve the end now, not at the first poll
                consumer.position(tp)
        while True:
            wait_ms = 500
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                wait_ms = int(min(500, left * 1000)) + 1
            polled = consumer.poll(timeout_ms=wait_ms)
            if idle and not any(polled.values()):
                yield None
            for records in polled.values():
                for rec in records:
                    try:
                        yield parse_cloudevent(rec.headers, rec.value)
                    except (ValueError, UnicodeDecodeError) as exc:
                        yield {"type": "unreadable", "data": None, "error": str(exc),
                               "offset": rec.offset}
    finally:
        consumer.close()


def tail(settings: Settings, *, topic: str | None = None, as_json: bool = False,
         from_beginning: bool = False, max_alerts: int | None = None,
         timeout: float | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    count = 0
    try:
        for event in iter_alerts(settings, topic=topic, from_beginning=from_beginning,
                                 timeout=timeout):
            if event is None:
                continue
            if as_json:
                print(json.dumps(event, ensure_ascii=False), file=out, flush=True)
            else:
                print(format_alert(event), file=out, flush=True)
            count += 1
            if max_alerts is not None and count >= max_alerts:
                return 0
    except KeyboardInterrupt:
        return 0
    return 1 if max_alerts is not None and count < max_alerts else 0


# -- topics -------------------------------------------------------------------

def read_topics_topic(settings: Settings) -> dict[str, dict[str, Any]]:
    """The current content of the compacted topics topic: id -> topic dict."""
    from kafka import KafkaConsumer, TopicPartition

    name = settings.topics_topic
    servers = settings.bootstrap_servers
    consumer = KafkaConsumer(bootstrap_servers=servers, group_id=None,
                             enable_auto_commit=False, client_id="claimwatch-topics")
    topics: dict[str, dict[str, Any]] = {}
    try:
        parts = consumer.partitions_for_topic(name) or {0}
        tps = [TopicPartition(name, p) for p in sorted(parts)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {name} took too long")
            for records in consumer.poll(timeout_ms=500).values():
                for rec in records:
                    key = (rec.key or b"").decode("utf-8", "replace")
                    if rec.value is None:
                        topics.pop(key, None)
                        continue
                    try:
                        topics[key] = json.loads(rec.value)
                    except ValueError:
                        continue
    finally:
        consumer.close()
    return topics


def topics_list(settings: Settings, *, as_json: bool = False,
                out: TextIO | None = None) -> int:
    out = out or sys.stdout
    check_broker(settings.bootstrap_servers)
    ensure_topic(settings.bootstrap_servers, settings.topics_topic, compacted=True)
    topics = read_topics_topic(settings)
    if as_json:
        for _, t in sorted(topics.items()):
            print(json.dumps(t, ensure_ascii=False, sort_keys=True), file=out)
        return 0
    if not topics:
        print(f"no topics on {settings.topics_topic} (workers also read "
              f"{settings.resolved_topics_file()} at start)", file=out)
    for tid, t in sorted(topics.items()):
        parties = ", ".join(t.get("parties") or {}) or "-"
        keywords = ", ".join(t.get("keywords") or ()) or "-"
        claims = len(t.get("claims") or ())
        print(f"{tid}  {t.get('name', '')!s}  keywords: {keywords}  parties: {parties}"
              f"  pinned claims: {claims}", file=out)
    return 0


def topics_add(settings: Settings, path: Path, *, out: TextIO | None = None,
               err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        topics = load_topics_file(path)
    except TopicFileError as exc:
        print(f"claimwatch topics add: {exc}", file=err)
        return 1
    if not topics:
        print(f"claimwatch topics add: {path}: no topics in the file", file=err)
        return 1
    check_broker(settings.bootstrap_servers)
    ensure_topic(settings.bootstrap_servers, settings.topics_topic, compacted=True)
    prod = producer(settings.bootstrap_servers)
    try:
        for t in topics:
            prod.send(settings.topics_topic, key=t.id.encode("utf-8"),
                      value=encode_topic(t)).get(timeout=30)
            print(f"added {t.id} ({t.name})", file=out)
    finally:
        prod.close()
    return 0


def topics_remove(settings: Settings, topic_id: str, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    check_broker(settings.bootstrap_servers)
    ensure_topic(settings.bootstrap_servers, settings.topics_topic, compacted=True)
    known = read_topics_topic(settings)
    prod = producer(settings.bootstrap_servers)
    try:
        prod.send(settings.topics_topic, key=topic_id.encode("utf-8"), value=None).get(
            timeout=30)
    finally:
        prod.close()
    if topic_id in known:
        print(f"removed {topic_id}", file=out)
    else:
        print(f"removed {topic_id} (it was not on {settings.topics_topic}; workers that "
              f"track it from their topics file drop it too)", file=out)
    return 0


__all__ = ["BrokerUnreachable", "FeedRecord", "replay", "tail", "topics_add",
           "topics_list", "topics_remove"]
