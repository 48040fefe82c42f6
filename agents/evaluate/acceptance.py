"""Acceptance checks: does a run's set of claims meet an expected.json?

The format is that of the acceptance folder: expected claims located by
`match` (every `all_of` group has a string at the start of a word in the
claim's text or one of its evidence sentences), with stances by party,
final status, alerts and reversal; `not_confirmed` claims must, if found at
all, end unverified with no alert. A claim expectation holds when some
matching claim meets all of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any


def _has(strings: Sequence[str], texts: Sequence[str]) -> bool:
    for s in strings:
        pat = re.compile(r"(?<!\w)" + re.escape(s), re.IGNORECASE)
        if any(pat.search(t) for t in texts):
            return True
    return False


def matches(match: Mapping[str, Any], claim: Mapping[str, Any]) -> bool:
    texts = [claim["text"], *(o["sentence"] for o in claim.get("observations", ()))]
    return all(_has(group, texts) for group in match.get("all_of", ()))


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").casefold() == (b or "").casefold()


def claim_problems(exp: Mapping[str, Any], claim: Mapping[str, Any],
                   alerts: Sequence[Mapping[str, Any]]) -> list[str]:
    """What this claim lacks to meet the expectation (empty: it meets it)."""
    problems = []
    obs = claim.get("observations", ())
    for st in exp.get("stances", ()):
        when = st.get("when", "current")
        if not any(_same(o["party"], st["party"]) and o["stance"] == st["stance"]
                   and o["when"] == when for o in obs):
            problems.append(f"no {when} {st['stance']} by {st['party']}")
    if "final_status" in exp and claim["status"] != exp["final_status"]:
        problems.append(f"status {claim['status']}, expected {exp['final_status']}")
    kinds = [a["type"] for a in alerts]
    for a in exp.get("alerts", ()):
        if a not in kinds:
            problems.append(f"no {a} alert (got {kinds or 'none'})")
    rev = exp.get("reversal")
    if rev:
        got = [a.get("reversal") for a in alerts if a["type"] == "reversed"]
        if not any(r and _same(r["party"], rev["party"]) and r["from"] == rev["from"]
                   and r["to"] == rev["to"] for r in got):
            problems.append(f"no reversal of {rev['party']} {rev['from']}->{rev['to']}")
    return problems


def check(expected: Mapping[str, Any], claims: Sequence[Mapping[str, Any]],
          alerts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One result per expectation: {name, kind, passed, problems, claim_id}."""
    by_claim: dict[str, list[Mapping[str, Any]]] = {}
    for a in alerts:
        by_claim.setdefault(a["claim_id"], []).append(a)
    results = []
    for exp in expected.get("claims", ()):
        found = [c for c in claims if matches(exp["match"], c)]
        best: tuple[list[str], str | None] = (["no claim matches"], None)
        for c in found:
            problems = claim_problems(exp, c, by_claim.get(c["claim_id"], []))
            if best[1] is None or len(problems) < len(best[0]):
                best = (problems, c["claim_id"])
            if not problems:
                break
        results.append({"name": exp.get("name", "?"), "kind": "claim",
                        "passed": not best[0], "problems": best[0], "claim_id": best[1]})
    for exp in expected.get("not_confirmed", ()):
        bad = []
        for c in claims:
            if matches(exp["match"], c):
                kinds = [a["type"] for a in by_claim.get(c["claim_id"], [])]
                if c["status"] != "unverified" or kinds:
                    bad.append(f"{c['claim_id']} is {c['status']} with alerts {kinds}")
        results.append({"name": exp.get("name", "?"), "kind": "not_confirmed",
                        "passed": not bad, "problems": bad, "claim_id": None})
    return results
