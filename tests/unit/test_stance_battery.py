"""The common ways a party confirms, denies or only mentions a claim, one sentence each.

tests/unit/stance_battery.jsonl holds the project's own fictional sentences on twelve
topics below (a spy ship, a transfer, a cyberattack, a drug's harm, a plant closure;
troops sent abroad, a town retaken, a resignation, a takeover; a death toll, a product
recall, a couple): verdicts on a claim ("said the report was false"), refusals, hedges,
quotes, denials by content ("will remain open", "its troops still hold the town"),
unnamed sources, spokespeople. Each row gives the decisive stance (confirm or deny) and
the party expected on the pinned claim, or "none" when the item decides nothing, and in
"also" any other party's decisive stance in the same item. An item is right when the
claim's decisive observations are exactly those (and their `when`, "current" unless the
row says "earlier").

The floor is the count measured when the rows were written: 110 of the first 119
(77 at a1606df, before the kinds they found were fixed); 214 of all 229 now, with the
110 rows on the last seven topics written on 2026-12-07 (196 of 229 at 8cee967, before
the kinds those found were fixed; 211 at 0ddb0f6). The troops row on "which had long
denied any presence" expects that earlier denial since 2026-12-08, as the Karsk row on
"which had initially denied any losses" always did. `pytest -s` prints every miss. A
change that loses one of these fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from detector import Detector, Item, Topic

BATTERY = Path(__file__).with_name("stance_battery.jsonl")
FLOOR = 214

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
    "transfer": {
        "id": "transfer",
        "name": "Reyna transfer",
        "keywords": ["Reyna", "Lindholm"],
        "parties": {"FC Lindholm": ["FC Lindholm", "Lindholm", "the club"],
                    "Tomas Reyna": ["Tomas Reyna", "Reyna"],
                    "Atletico Varna": ["Atletico Varna", "Varna"]},
        "claims": [{"id": "claim", "statement": "Tomas Reyna has signed for FC Lindholm."}],
    },
    "hack": {
        "id": "hack",
        "name": "Grid hack",
        "keywords": ["grid", "cyberattack", "Morvath"],
        "parties": {"Lisnia": ["Lisnia", "Lisnian", "Lisnian government"],
                    "Morvath": ["Morvath", "Morvathi", "Morvathi foreign ministry"]},
        "claims": [{"id": "claim", "statement": "Morvathi hackers caused the blackout on the "
                                                "Lisnian power grid."}],
    },
    "drug": {
        "id": "drug",
        "name": "Velotinib safety",
        "keywords": ["velotinib", "Medrix"],
        "parties": {"Medrix": ["Medrix", "the drugmaker"],
                    "Medicines Agency": ["Medicines Agency", "the agency", "the regulator"]},
        "claims": [{"id": "claim",
                    "statement": "Velotinib caused liver damage in trial patients."}],
    },
    "troops": {
        "id": "troops",
        "name": "Ostrian troops in Velm",
        "keywords": ["Velm", "Ostrian troops"],
        "parties": {"Ostria": ["Ostria", "Ostrian", "Ostrian defence ministry", "Ostrian army",
                               "Ostrian government"],
                    "Karsk": ["Karsk", "Karskian", "Karskian government", "Karskian army"]},
        "claims": [{"id": "claim",
                    "statement": "Ostrian troops were deployed to the Velm region."}],
    },
    "dunmore": {
        "id": "dunmore",
        "name": "Battle for Dunmore",
        "keywords": ["Dunmore"],
        "parties": {"Ostria": ["Ostria", "Ostrian", "Ostrian defence ministry", "Ostrian army"],
                    "Karsk": ["Karsk", "Karskian", "Karskian government", "Karskian army",
                              "Karskian general staff"]},
        "claims": [{"id": "claim", "statement": "Karskian forces recaptured the town of Dunmore."}],
    },
    "corvo": {
        "id": "corvo",
        "name": "Corvo resignation",
        "keywords": ["Corvo"],
        "parties": {"Elena Corvo": ["Elena Corvo", "Corvo", "the minister"],
                    "Tarsian government": ["Tarsian government", "prime minister's office",
                                           "the government"]},
        "claims": [{"id": "claim", "statement": "Elena Corvo has resigned as finance minister."}],
    },
    "bank": {
        "id": "bank",
        "name": "Brightwell and Norvale",
        "keywords": ["Brightwell", "Norvale"],
        "parties": {"Brightwell Bank": ["Brightwell Bank", "Brightwell", "the bank"],
                    "Norvale Insurance": ["Norvale Insurance", "Norvale", "the insurer"],
                    "Competition Board": ["Competition Board", "the board", "the regulator"]},
        "claims": [{"id": "claim", "statement": "Brightwell Bank will acquire Norvale Insurance."}],
    },
    "strike": {
        "id": "strike",
        "name": "Harlan strike",
        "keywords": ["Harlan"],
        "parties": {"Ostria": ["Ostria", "Ostrian", "Ostrian defence ministry", "Ostrian army"],
                    "Karsk": ["Karsk", "Karskian", "Karskian defence ministry", "Karskian army"]},
        "claims": [{"id": "claim", "statement": "More than 200 Karskian soldiers were killed in "
                                                "the missile strike on Harlan."}],
    },
    "recall": {
        "id": "recall",
        "name": "Veltra formula",
        "keywords": ["Veltra"],
        "parties": {"Veltra Foods": ["Veltra Foods", "Veltra", "the company"],
                    "Food Safety Authority": ["Food Safety Authority", "the authority",
                                              "the regulator"]},
        "claims": [{"id": "claim", "statement": "Veltra Foods recalled its infant formula."}],
    },
    "couple": {
        "id": "couple",
        "name": "Sol and Eck",
        "keywords": ["Mira Sol", "Jonas Eck"],
        "parties": {"Mira Sol": ["Mira Sol", "Sol"], "Jonas Eck": ["Jonas Eck", "Eck"]},
        "claims": [{"id": "claim", "statement": "Mira Sol and Jonas Eck are dating."}],
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
        assert r.get("when", "current") in ("current", "earlier"), r
        assert (r["party"] is None) == (r["stance"] == "none"), r
        for a in r.get("also", ()):  # other parties' decisive stances in the same item
            assert len(a) == 3 and a[1] in ("confirm", "deny") and \
                a[2] in ("current", "earlier"), r
        assert r["text"] not in seen, r
        seen.add(r["text"])


def test_battery_floor(nlp: Any) -> None:
    right, misses = 0, []
    for n, r in enumerate(rows()):
        # a detector of its own for each sentence: nothing one opens is there for the next
        det = Detector([Topic.from_dict(TOPICS[r["topic"]])], nlp=nlp)
        obs = det.detect(Item(id=f"b{n}", body=r["text"], source="Harbour Courier"))
        got = {(o.party, o.stance, o.when) for o in obs
               if o.claim_id == "claim" and o.stance != "report"}
        want = set() if r["stance"] == "none" else {
            (r["party"], r["stance"], r.get("when", "current"))}
        want |= {tuple(a) for a in r.get("also", ())}
        if got == want:
            right += 1
        else:
            misses.append(f"MISS [{r['topic']}] want {sorted(want)} got {sorted(got)}: {r['text']}")
    print(f"\nstance battery: {right}/{len(rows())}")
    print("\n".join(misses))
    assert right >= FLOOR, "\n".join(misses)
