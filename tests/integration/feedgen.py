"""A large feed whose alerts are known, built from the seed stories.

`build(copies, filler, seed)` makes `copies` copies of seeds/feed.jsonl, each
with fresh ids and its own fictional names (every name in the tracked topics
gets a per-copy prefix, in the topics and in the text alike), so each copy
forms its own tracked topics and claims, plus `filler` off-topic items,
interleaved by a seeded RNG. Stories are well separated: a copy's items can
only match that copy's topics (test_crash checks it on the reference run),
so clustering never depends on the order between copies, and a copy's items
share one message key (one partition) so they keep their order even when the
news topic has several partitions.

`reference(...)` decides, in process with the detection core and no Kafka,
every alert id and every claim's final state for the feed in a given order.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
_FUNCTION_WORDS = frozenset({"of", "the", "and", "s"})
_PREFIXES = [c + v for c, v in product("BDFGKLMNPRSTVZ", "aeiou")]
_FILLER_WORDS = (
    "harbour", "board", "minutes", "budget", "roads", "school", "library", "tram", "repair",
    "parks", "weather", "rainfall", "market", "prices", "bakery", "orchestra", "rehearsal",
    "marathon", "volunteers", "museum", "exhibition", "ferry", "timetable", "recycling",
    "bins",
)


@dataclass
class Feed:
    topics: list[dict[str, Any]]
    #: (key, value bytes) in production order
    messages: list[tuple[bytes, bytes]]
    copies: int
    filler: int
    story_items: int = field(default=0)

    def topics_yaml(self) -> str:
        # key order matters (the first party listed wins a tie), so keep it
        return yaml.safe_dump({"topics": self.topics}, allow_unicode=True, sort_keys=False)

    def write_topics(self, path: Path) -> Path:
        path.write_text(self.topics_yaml(), encoding="utf-8")
        return path


def _names(topics: list[dict[str, Any]]) -> set[str]:
    """Every word of the topics' keywords, party names and aliases that is a name
    (capitalized), or a keyword written in lower case (a drug name)."""
    names: set[str] = set()

    def words(phrase: str) -> list[str]:
        return re.findall(r"[A-Za-z][A-Za-z\-]*", phrase.replace("'s", " "))

    for t in topics:
        for kw in t.get("keywords", ()):
            ws = words(kw)
            names.update(w for w in ws if w[0].isupper() or len(ws) == 1)
        for party, aliases in (t.get("parties") or {}).items():
            for phrase in [party, *aliases]:
                names.update(w for w in words(phrase) if w[0].isupper())
    return {n for n in names if n.lower() not in _FUNCTION_WORDS}


def _renamer(names: set[str], prefix: str) -> Any:
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names), key=len,
                                                   reverse=True)) + r")\b")

    def rename(text: str) -> str:
        return pattern.sub(lambda m: prefix + m.group(1).lower(), text)
    return rename


def _copy_topics(topics: list[dict[str, Any]], k: int, rename: Any) -> list[dict[str, Any]]:
    out = []
    for t in topics:
        c = json.loads(json.dumps(t))
        c["id"] = f"{t['id']}-c{k:02d}"
        c["name"] = rename(t["name"])
        c["keywords"] = [rename(x) for x in t["keywords"]]
        parties = {}
        for party, aliases in (t.get("parties") or {}).items():
            # an alias with no name in it ("food safety agency") would match every copy
            kept = [rename(a) for a in aliases if rename(a) != a]
            parties[rename(party)] = kept or [rename(party)]
        c["parties"] = parties
        # no pinned claims: their keywords ("seized", "paused") are common words
        # that would make an item relevant to every copy's topic
        c.pop("claims", None)
        out.append(c)
    return out


def build(copies: int = 20, filler: int = 1300, seed: int = 4) -> Feed:
    if copies > len(_PREFIXES):
        raise ValueError(f"at most {len(_PREFIXES)} copies")
    seed_topics = yaml.safe_load((SEEDS / "topics.yaml").read_text())["topics"]
    lines = [json.loads(line) for line in (SEEDS / "feed.jsonl").read_text().splitlines()
             if line.strip()]
    names = _names(seed_topics)
    rng = random.Random(seed)  # noqa: S311 - a reproducible feed
    topics: list[dict[str, Any]] = []
    streams: list[list[tuple[bytes, bytes]]] = []
    for k in range(copies):
        rename = _renamer(names, _PREFIXES[k])
        topics += _copy_topics(seed_topics, k, rename)
        story = []
        for item in lines:
            c = {key: (rename(v) if isinstance(v, str) and key in ("title", "body") else v)
                 for key, v in item.items()}
            c["id"] = f"c{k:02d}-{item['id']}"
            if item.get("url"):
                c["url"] = str(item["url"]).replace(str(item["id"]), c["id"])
            story.append((f"story-{k:02d}".encode(), json.dumps(c).encode()))
        streams.append(story)
    fill = []
    for n in range(filler):
        words = " ".join(rng.choice(_FILLER_WORDS) for _ in range(40))
        item = {"id": f"filler-{seed}-{n:05d}", "title": f"Town notes {n}: {words[:40]}",
                "body": f"Item {n}. {words}.", "source": "Town Notes"}
        fill.append((item["id"].encode(), json.dumps(item).encode()))
    streams.append(fill)
    # interleave: each stream keeps its order, the next stream is picked at random
    messages: list[tuple[bytes, bytes]] = []
    cursors = [0] * len(streams)
    weights = [len(s) for s in streams]
    while any(c < len(s) for c, s in zip(cursors, streams, strict=True)):
        live = [i for i, s in enumerate(streams) if cursors[i] < len(s)]
        i = rng.choices(live, weights=[weights[j] for j in live])[0]
        messages.append(streams[i][cursors[i]])
        cursors[i] += 1
    return Feed(topics, messages, copies, filler, story_items=copies * len(lines))


@dataclass
class Reference:
    alert_ids: set[str]
    alerts: list[Any]
    states: dict[str, Any]
    #: claim id -> the item ids of its observations
    claim_items: dict[str, set[str]]


def reference(feed: Feed, max_body_bytes: int = 1_048_576,
              order: list[tuple[bytes, bytes]] | None = None) -> Reference:
    """The alerts and claim states the core decides for the feed in this order."""
    from agents.topics import parse_topics

    # the topics as the worker reads them: from the YAML file
    topics = parse_topics(yaml.safe_load(feed.topics_yaml()))
    return decide(topics, [value for _, value in order or feed.messages], max_body_bytes)


def decide(topics: list[Any], values: list[bytes], max_body_bytes: int) -> Reference:
    """What the core decides for raw news messages, validated the way the
    worker's ingest does it and then put through the decision step the worker
    and `claimwatch detect` share (detector.feed.FeedRun: detector.decide's
    dedup key and dedup, detect, apply): the worker must emit exactly these alerts."""
    from agents.detect import to_item
    from agents.ingest import Rejected, parse_news
    from detector import Detector
    from detector.feed import FeedRun

    items = []
    for value in values:
        try:
            items.append(to_item(parse_news(value, max_body_bytes)))
        except Rejected:
            continue
    run = FeedRun(Detector(topics))
    for _ in run.run(items):
        pass
    alerts = [t for found in run.alerts.values() for t in found]
    claim_items = {cid: {o.item_id for o in found} for cid, found in run.observations.items()}
    states = run.states
    return Reference({t.alert_id for t in alerts}, alerts, states, claim_items)
