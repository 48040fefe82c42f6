"""The parse on several cores (detector/parse.py): helper processes give the Docs this
process would make, a dead helper loses no sentence, and a helper does not outlive a
parent killed with kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from detector import Detector, Item
from detector.parse import Parser, collect, parse_here

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"

SENTENCES = [
    "The harbour authority confirmed on Tuesday that the ferry had run aground.",
    "Minister Alda Verrin denied that any cargo was lost.",
    "According to Halvor Brenn, a spokesman for the port, 14 crew members were rescued.",
    "Reports suggest the captain had been warned twice.",
    "Nobody said anything.",
    "The company, Nordlys Shipping, said the ship would be towed to Bergen by Friday.",
    "It was not clear when the inquiry would begin.",
    "Verrin told reporters the claims were baseless.",
    "About half of the passengers were tourists from Canada.",
]
ATTRS = ["ORTH", "NORM", "TAG", "POS", "MORPH", "LEMMA", "HEAD", "DEP", "SENT_START",
         "ENT_IOB", "ENT_TYPE"]


def arrays(docs: list[Any]) -> list[list[list[int]]]:
    return [doc.to_array(ATTRS).tolist() for doc in docs]


@pytest.fixture(scope="module")
def jobs() -> list[tuple[str, list[tuple[int, int]]]]:
    # the third sentence's speaker is covered by an alias: no entities needed for it
    return [(s, [(16, 27)] if s.startswith("According") else []) for s in SENTENCES * 3]


def test_helpers_make_the_docs_this_process_makes(nlp: Any, jobs: Any) -> None:
    from detector.components import add_components

    add_components(nlp)
    here = parse_here(nlp, jobs, 64)
    assert any(doc.ents for doc in here) and not all(doc.ents for doc in here)
    parser = Parser(nlp, helpers=2)
    try:
        pending = [parser.submit(jobs[n:n + 4]) for n in range(0, len(jobs), 4)]
        there = [doc for docs in collect(parser, pending) for doc in docs]
    finally:
        parser.close()
    assert [d.text for d in there] == [d.text for d in here]
    assert arrays(there) == arrays(here)
    assert [[s.text for s in d.sents] for d in there] == [[s.text for s in d.sents] for d in here]


def test_a_killed_helper_loses_no_sentence(nlp: Any, jobs: Any) -> None:
    from detector.components import add_components

    add_components(nlp)
    want = arrays(parse_here(nlp, jobs, 64))
    parser = Parser(nlp, helpers=1)
    try:
        parser.start()
        [pid] = parser.pids()
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        assert arrays(parser.parse(jobs)) == want  # parsed here, the helper being dead
        assert parser.restarts == 1
        parser.start()
        [new] = parser.pids()
        assert new != pid
        pending = parser.submit(jobs)
        assert pending.helper is not None  # the new helper parses it
        assert arrays(next(collect(parser, [pending]))) == want
    finally:
        parser.close()


PARENT = """
import sys, time
sys.path.insert(0, {root!r})
from detector import load_nlp
from detector.components import add_components
from detector.parse import Parser
if __name__ == "__main__":
    parser = Parser(add_components(load_nlp()), helpers=1)
    parser.start()
    print(" ".join(map(str, parser.pids())), flush=True)
    time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        return f.read().split()[2] != "Z"


def test_a_helper_exits_when_its_parent_is_killed(nlp: Any, tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(PARENT.format(root=str(ROOT)), "utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        helpers = [int(p) for p in parent.stdout.readline().split()]
        assert helpers and all(alive(p) for p in helpers)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while any(alive(p) for p in helpers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(p) for p in helpers), "a parse helper outlived its parent"
    finally:
        parent.kill()


def test_a_detector_with_helpers_observes_what_one_core_observes(nlp: Any) -> None:
    from agents.topics import load_topics_file

    topics = load_topics_file(SEEDS / "topics.yaml")
    items = [Item(id=d["id"], title=d.get("title") or "", body=d.get("body") or "",
                  source=d.get("source") or "", published_at=d.get("published_at"))
             for d in map(json.loads, (SEEDS / "feed.jsonl").read_text("utf-8").splitlines())]
    one = Detector(topics, nlp=nlp)
    many = Detector(topics, nlp=nlp, helpers=2)
    try:
        assert many.parser.chunk < len(items)  # several chunks per call below
        a = [(obs, rel, [(c.id, c.text) for c in opened])
             for obs, rel, opened in one.detect_opening(items)]
        b = [(obs, rel, [(c.id, c.text) for c in opened])
             for obs, rel, opened in many.detect_opening(items)]
    finally:
        many.close()
    assert sum(len(obs) for obs, _r, _c in a) > 10 and any(c for _o, _r, c in a)
    assert b == a


def test_claimwatch_detect_prints_the_same_with_parse_helpers(nlp: Any) -> None:
    from agents.offline import detect_events

    feed, topics = SEEDS / "feed.jsonl", SEEDS / "topics.yaml"
    one = list(detect_events(topics, feed))
    shared = list(detect_events(topics, feed, helpers=1))
    assert sum(e["kind"] == "alert" for e in one) > 5
    assert shared == one
