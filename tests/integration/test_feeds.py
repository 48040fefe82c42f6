"""`claimwatch feeds run` end to end: a local HTTP server with the project's own
feed files and every fault in its repertoire, the poller as a subprocess, the
real broker and the worker. Each entry reaches the worker once, a corrected
entry is read again, and a restarted poller sends nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agents.deliver import alert_type_of, parse_cloudevent
from tests.feedserver import (
    FeedServer,
    Story,
    atom,
    document,
    in_turn,
    rdf,
    redirect,
    rss,
    slow,
    status,
)
from tests.integration.support import (
    ROOT,
    Worker,
    consume_all,
    free_port,
    http_get,
    parse_metrics,
    wait_for,
)

pytestmark = pytest.mark.integration

T0 = 1772431800.0  # 2026-03-02T06:10:00Z


def story(guid: str, title: str, *paragraphs: str, n: int = 0) -> Story:
    return Story(guid, title, paragraphs, link=f"https://news.example.org/{guid}",
                 published=T0 + 60 * n)


OFF_TOPIC = [story(f"it-tram-{n}", f"Tram line {n} opens in Ostwick",
                   f"Ostwick's tram line {n} carried its first passengers on Monday.", n=n)
             for n in range(3)]
DENIAL = story("it-velo-1", "Medrix denies pausing velotinib trial",
               "Medrix Pharma denied on Monday that it had paused its late-stage trial of "
               "velotinib, the experimental drug at the centre of a safety review.",
               "\"The study continues at every site,\" spokeswoman Paula Reyes said.", n=10)
CORRECTION = story("it-velo-1", "Medrix confirms pause of velotinib trial",
                   "Medrix Pharma confirmed on Monday that it had paused its late-stage "
                   "trial of velotinib, the experimental drug at the centre of a safety "
                   "review.",
                   "\"We stopped dosing at every site,\" spokeswoman Paula Reyes said.", n=10)


def one(guid: str, title: str) -> list[Story]:
    return [story(guid, title, f"{title}, the council said on Monday.")]


def serve_repertoire(server: FeedServer) -> int:
    """Set up the feeds; how many distinct entries they carry in the end."""
    server.set("/rss.xml", document(rss("Ostwick Tram News", OFF_TOPIC), etag='"rss-1"'))
    # no validators: every poll gets the whole document, the state file decides
    server.set("/atom.xml", document(atom("Atom Desk", [
        story("tag:news.example.org,2026:a1", "Harbour fees unchanged",
              "The harbour board kept its fees.", n=1),
        story("tag:news.example.org,2026:a2", "Library hours extended",
              "The library opens on Sundays from April.", n=2)]),
        content_type="application/atom+xml"))
    server.set("/rdf.xml", document(rdf("RDF Desk", one("it-rdf-1", "Ferry timetable "
                                                                        "published")),
                                    last_modified=T0, content_type="application/rdf+xml"))
    broken = rss("Broken Desk", one("it-broken-1", "Bin collection moves to Tuesdays"))
    server.set("/broken.xml", in_turn(document(broken[:-40]), document(broken[:-40]),
                                      document(broken)))
    server.set("/flaky.xml", in_turn(status(500), status(500), document(
        rss("Flaky Desk", one("it-flaky-1", "Marathon route announced")))))
    late = rss("Slow Desk", one("it-slow-1", "Orchestra rehearsal moved"))
    server.set("/slow.xml", in_turn(slow(late, seconds=6), document(late)))
    server.set("/loop.xml", redirect("/loop-b.xml"))
    server.set("/loop-b.xml", redirect("/loop.xml"))
    server.set("/updated.xml", document(rss("Pharma Desk", [DENIAL])))
    return 3 + 2 + 1 + 1 + 1 + 1 + 1  # /gone.xml is never there


class PollerProcess:
    def __init__(self, worker: Worker, feeds: Path, data_dir: Path, log: Path) -> None:
        self.port = free_port()
        env = {**os.environ, **worker.env, "CLAIMWATCH_DATA_DIR": str(data_dir)}
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "agents.cli", "feeds", "run", str(feeds),
                 "--metrics-port", str(self.port), "--loglevel", "info"],
                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        self.log = log

    def metrics(self) -> dict[str, float]:
        if self.proc.poll() is not None:
            raise AssertionError(f"the poller exited {self.proc.returncode}:\n"
                                 f"{self.log.read_text()[-3000:]}")
        code, body = http_get(f"http://127.0.0.1:{self.port}/metrics")
        return parse_metrics(body) if code == 200 else {}

    def polls(self, result: str) -> float:
        return self.metrics().get(f'claimwatch_feed_polls_total{{result="{result}"}}', 0.0)

    def sent(self, kind: str) -> float:
        return self.metrics().get(f'claimwatch_feed_items_sent_total{{kind="{kind}"}}', 0.0)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait()


def alerts(worker: Worker, expect: int) -> list[tuple[str, str]]:
    records = consume_all(worker.settings.bootstrap_servers, worker.settings.alerts_topic,
                          expect=expect, idle=1.0, timeout=90)
    out = []
    for rec in records:
        event: dict[str, Any] = parse_cloudevent(rec.headers, rec.value)
        out.append((alert_type_of(event["type"]), event["data"]["evidence"]["item_id"]))
    return out


def test_feeds_reach_the_worker_once_through_every_fault_and_a_restart(
        worker_factory: Callable[..., Worker], tmp_path: Path) -> None:
    worker = worker_factory()
    with FeedServer() as server:
        entries = serve_repertoire(server)
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(
            "defaults: {interval: 1, jitter: 0.1, timeout: 1.5, max_backoff: 2}\n"
            "feeds:\n" + "".join(f"  - {server.url(p)}\n" for p in (
                "/rss.xml", "/atom.xml", "/rdf.xml", "/broken.xml", "/flaky.xml",
                "/slow.xml", "/loop.xml", "/gone.xml", "/updated.xml")), encoding="utf-8")
        state = tmp_path / "poller-data"
        poller = PollerProcess(worker, feeds, state, tmp_path / "poller.log")
        try:
            wait_for(lambda: poller.sent("new") >= entries and all(
                poller.polls(r) >= 1 for r in ("not_modified", "malformed", "http_error",
                                               "timeout", "redirect_loop")),
                     90, "every entry sent and every fault met")
            assert poller.sent("new") == entries
            # the denial is read; then the entry is corrected in place
            assert alerts(worker, 1) == [("denied", denial_id(server))]
            server.set("/updated.xml", document(rss("Pharma Desk", [CORRECTION])))
            wait_for(lambda: poller.sent("revision") >= 1, 30, "the corrected entry")
            got = alerts(worker, 3)
            assert ("confirmed", denial_id(server) + ".rev1") in got
            assert ("reversed", denial_id(server) + ".rev1") in got
            before = poller.metrics()
            assert poller.stop() == 0, poller.log.read_text()[-3000:]
        finally:
            poller.stop()
        served = len(server.requests)

        again = PollerProcess(worker, feeds, state, tmp_path / "poller.log")
        try:
            # every feed that works polled twice more, the atom feed in full each time
            wait_for(lambda: again.polls("ok") + again.polls("not_modified") >= 14, 60,
                     "two rounds of polls after the restart")
            assert again.sent("new") == 0 and again.sent("revision") == 0
        finally:
            assert again.stop() == 0
        assert len(server.requests) > served

    news = consume_all(worker.settings.bootstrap_servers, worker.settings.news_topic,
                       expect=entries + 1, idle=2.0)
    keys = [r.key.decode() for r in news]
    assert len(keys) == entries + 1 == len(set(keys))
    m = wait_for(lambda: (w := worker.metrics())["claimwatch_items_consumed_total"]
                 >= entries + 1 and w, 60, "the worker consuming every item")
    assert m["claimwatch_items_consumed_total"] == entries + 1
    assert m['claimwatch_items_duplicate_total{kind="id"}'] == 0
    assert before['claimwatch_feed_polls_total{result="error"}'] == 0


def denial_id(server: FeedServer) -> str:
    """The id of the entry corrected in place (a plain guid: scoped by its feed)."""
    from agents.feedentries import entry_base_id

    return str(entry_base_id(server.url("/updated.xml"), DENIAL.guid, DENIAL.link, None))
