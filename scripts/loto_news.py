"""Leave-one-topic-out figures for the detector's tuned thresholds on a real-news set.

    python scripts/loto_news.py ../shared/data/news-dev

The linker has two tuned numbers (detector/link.py): LINK_AT, the score at which a
sentence's statements go to a pinned claim, and MENTION_AT, the score at which an
item at least concerns the claim (a report). For every point of a small grid the
detector runs once over the whole feed (topics are detected independently: an
item's observations, alerts and claims belong to one topic each). Then, for each
topic, the grid point that scores best (macro-F1, then alerts closest to the
perfect monitor's) on the *other* topics is chosen and that run's records of the
held-out topic are kept. The kept records are scored together: the figures of a
detector whose thresholds never saw the topic they are measured on. The plain
figures (the shipped thresholds on everything) are printed beside them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.evaluate.news import Dataset, collect, load_dataset, score  # noqa: E402
from agents.offline import detect_events  # noqa: E402
from agents.topics import load_topics_file  # noqa: E402

GRID = [(link, mention) for link in (0.4, 0.5, 0.6) for mention in (0.2, 0.3, 0.4)
        if mention <= link]


def run_at(folder: Path, link: float, mention: float) -> list[dict[str, Any]]:
    import detector.link as lk
    import detector.linking as linking

    saved = lk.LINK_AT, lk.MENTION_AT
    lk.LINK_AT = linking.LINK_AT = link
    lk.MENTION_AT = linking.MENTION_AT = mention
    try:
        return list(detect_events(folder / "topics.yaml", folder / "items.jsonl"))
    finally:
        lk.LINK_AT = linking.LINK_AT = saved[0]
        lk.MENTION_AT = linking.MENTION_AT = saved[1]


def restrict(data: Dataset, claims: set[str]) -> Dataset:
    return dataclasses.replace(
        data,
        labels=tuple(lab for lab in data.labels if lab.claim_id in claims),
        final_status={c: s for c, s in data.final_status.items() if c in claims},
        reversals=tuple(r for r in data.reversals if r.claim_id in claims),
    )


def topic_of(record: dict[str, Any], claim_topic: dict[str, str]) -> str | None:
    return record.get("topic_id") or claim_topic.get(str(record.get("claim_id")))


def merit(data: Dataset, records: list[dict[str, Any]]) -> tuple[float, float]:
    fig = score(data, collect(records)).figures()
    ratio = fig["alert_ratio"] or 0.0
    return fig["macro_f1"], -abs(ratio - 1.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", type=Path)
    args = ap.parse_args(argv)
    data = load_dataset(args.dataset)
    topics = load_topics_file(args.dataset / "topics.yaml")
    claim_topic = {c.id: t.id for t in topics for c in t.claims}
    runs = {point: run_at(args.dataset, *point) for point in GRID}
    kept: list[dict[str, Any]] = []
    chosen = {}
    for t in topics:
        mine = {c.id for c in t.claims}
        others = restrict(data, set(claim_topic) - mine)
        best = max(GRID, key=lambda p: merit(others, [
            r for r in runs[p] if topic_of(r, claim_topic) != t.id]))
        chosen[t.id] = best
        kept += [r for r in runs[best] if topic_of(r, claim_topic) == t.id]
    import detector.link as lk

    plain = score(data, collect(runs[(lk.LINK_AT, lk.MENTION_AT)])).figures()
    loto = score(data, collect(kept))
    for line in loto.lines():
        print(line)
    print("chosen (LINK_AT, MENTION_AT) per held-out topic:", json.dumps(chosen))
    print("plain:", json.dumps(plain))
    print(json.dumps({"loto": loto.figures(), "plain": plain}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
