"""Format check for the held-out cases (no detector involved).

Run: python tests/heldout/validate.py
Checks that each case parses, references existing files, that items are NewsItems,
that every stance party is a key of the topics' parties, and that every match group
hits some text of the feed. It also lists sentences where a not_confirmed match meets a
claim's full match, which would make the case ambiguous.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
STANCES = {"confirm", "deny", "report"}
STATUSES = {"unverified", "confirmed", "denied", "disputed"}
ALERTS = {"confirmed", "denied", "disputed", "reversed"}


def hits(s: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(s), text, re.I) is not None


def group_hits(match: dict, text: str) -> bool:
    return all(any(hits(s, text) for s in g) for g in match["all_of"])


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?\"])\s+(?=[A-Z\"])", text) if s]


def check(case: Path) -> list[str]:
    errs: list[str] = []
    exp = json.loads((case / "expected.json").read_text())
    src = exp.get("item") or exp.get("feed")
    if not src or not (case / src).exists():
        return [f"missing item/feed {src}"]
    if not (case / exp["topics"]).exists():
        return [f"missing topics {exp['topics']}"]
    if "item" in exp:
        items = [json.loads((case / src).read_text())]
    else:
        items = [json.loads(line) for line in (case / src).read_text().splitlines() if line.strip()]
    if not 1 <= len(items) <= 4:
        errs.append(f"{len(items)} items")
    ids = set()
    for it in items:
        for k in ("id", "title", "body", "source", "url", "published_at", "language"):
            if k not in it:
                errs.append(f"{it.get('id')}: no {k}")
        ids.add(it["id"])
        if it["language"] != "en":
            errs.append("language")
        if not it["published_at"].endswith("Z"):
            errs.append("published_at not Z")
        datetime.fromisoformat(it["published_at"].replace("Z", "+00:00"))
    if len(ids) != len(items):
        errs.append("duplicate ids")
    times = [it["published_at"] for it in items]
    if times != sorted(times):
        errs.append("items out of order")
    topics = yaml.safe_load((case / exp["topics"]).read_text())["topics"]
    parties = {p for t in topics for p in t.get("parties", {})}
    for t in topics:
        for k in ("id", "name", "keywords", "parties"):
            if k not in t:
                errs.append(f"topic {t.get('id')}: no {k}")
    text = "\n".join(it["title"] + "\n" + it["body"] for it in items)
    sents = [s for it in items for s in sentences(it["title"]) + sentences(it["body"])]
    for c in exp["claims"]:
        for g in c["match"]["all_of"]:
            if not any(hits(s, text) for s in g):
                errs.append(f"claim {c['name']}: group {g} hits nothing")
        for s in c["stances"]:
            if s["party"] not in parties:
                errs.append(f"claim {c['name']}: party {s['party']!r} not in topics")
            if s["stance"] not in STANCES or s.get("when", "current") not in ("current", "earlier"):
                errs.append(f"claim {c['name']}: bad stance {s}")
        if c["final_status"] not in STATUSES or not set(c.get("alerts", [])) <= ALERTS:
            errs.append(f"claim {c['name']}: bad status/alerts")
        if "reversal" in c and c["reversal"]["party"] not in parties:
            errs.append(f"claim {c['name']}: reversal party not in topics")
    for n in exp.get("not_confirmed", []):
        for g in n["match"]["all_of"]:
            if not any(hits(s, text) for s in g):
                errs.append(f"not_confirmed {n['name']}: group {g} hits nothing")
        for s in sents:
            if group_hits(n["match"], s):
                for c in exp["claims"]:
                    if group_hits(c["match"], s):
                        errs.append(f"not_confirmed {n['name']} and claim {c['name']} "
                                    f"share: {s[:80]}")
    return errs


def main() -> int:
    bad = 0
    cases = sorted(p for p in HERE.iterdir() if (p / "expected.json").exists())
    for case in cases:
        errs = check(case)
        bad += bool(errs)
        for e in errs:
            print(f"{case.name}: {e}")
    print(f"{len(cases)} cases, {bad} with problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
