"""The common ways a party confirms, denies or only mentions a claim, one sentence each.

tests/unit/stance_battery.jsonl holds the project's own fictional sentences on two
topics below (a spy ship, a plant closure): verdicts on a claim ("said the report was
false"), refusals, hedges, quotes, denials by content ("will remain open"), unnamed
sources, spokespeople. Each row gives the one decisive stance (confirm or deny) and the
party expected on the pinned claim, or "none" when the sentence decides nothing. A
sentence is right when the claim's decisive observations are exactly that.

The floor is the count measured when the file was written (62 of 65; `pytest -s`
prints every miss): a change that loses one of these fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from detector import Detector, Item, Topic

BATTERY = Path(__file__).with_name("stance_battery.jsonl")
FLOOR = 62

TOPICS = {
    "cables": {
        "id": "cables",
        "name": "Cables at Lorne",
        "keywords": ["Lorne harbour", "spy ship", "Kestria"],
        "parties": {"Kestria": ["Kestria", "Kestrian", "Kestrian foreign ministry",
                                "Kestrian navy"],
                    "Veland": ["Veland", "Velandian", "Veland's defence ministry"]},
        "claims": [{"id": "claim",
                    "statement": "A Kestrian spy ship mapped cables near Lorne harbour."}],
    },
    "plant": {
        "id": "plant",
        "name": "The Brookfield plant",
        "keywords": ["Halden Motors", "Brookfield plant"],
        "parties": {"Halden Motors": ["Halden Motors", "Halden", "the carmaker"],
                    "Union of Auto Workers": ["Union of Auto Workers", "the union", "UAW-K"],
                    "Anna Lind": ["Anna Lind", "Lind"]},
        "claims": [{"id": "claim", "statement": "Halden Motors will close its Brookfield plant."}],
    },
}


def rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in BATTERY.read_text("utf-8").splitlines() if line]


def test_battery_is_well_formed() -> None:
    seen = set()
    for r in rows():
        assert r["topic"] in TOPICS, r
        assert r["stance"] in ("confirm", "deny", "none"), r
        assert (r["party"] is None) == (r["stance"] == "none"), r
        assert r["text"] not in seen, r
        seen.add(r["text"])


@pytest.fixture(scope="module")
def detectors(nlp: Any) -> dict[str, Detector]:
    return {k: Detector([Topic.from_dict(t)], nlp=nlp) for k, t in TOPICS.items()}


def test_battery_floor(detectors: dict[str, Detector]) -> None:
    right, misses = 0, []
    for n, r in enumerate(rows()):
        obs = detectors[r["topic"]].detect(Item(id=f"b{n}", body=r["text"],
                                                source="Harbour Courier"))
        got = {(o.party, o.stance) for o in obs if o.claim_id == "claim" and o.stance != "report"}
        want = set() if r["stance"] == "none" else {(r["party"], r["stance"])}
        if got == want:
            right += 1
        else:
            misses.append(f"MISS [{r['topic']}] want {sorted(want)} got {sorted(got)}: {r['text']}")
    print(f"\nstance battery: {right}/{len(rows())}")
    print("\n".join(misses))
    assert right >= FLOOR, "\n".join(misses)
