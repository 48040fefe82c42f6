"""Acceptance: the seed case of ../shared, the project's demo feed, and the checker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.evaluate.acceptance import check, matches
from detector import Detector

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "acceptance" / "seed-expected.json"

#: the demo feed's pass rate measured at 2b2ef1b (14 of 19 expectations; 11 when
#: this test was added): raise it as the detector improves
SEEDS_FLOOR = 14 / 19


@pytest.fixture(scope="module")
def detector(nlp: Any) -> Detector:
    return Detector([], nlp=nlp)


def run(path: Path, detector: Detector) -> list[dict[str, Any]]:
    from agents.offline import run_case

    results: list[dict[str, Any]] = run_case(path, detector)["results"]
    return results


def failures(results: list[dict[str, Any]]) -> list[str]:
    return [f"{r['kind']} {r['name']}: {'; '.join(r['problems'])}"
            for r in results if not r["passed"]]


@pytest.mark.shared
@pytest.mark.skipif(not SEED.exists(), reason="../shared/acceptance is absent")
def test_seed_case_passes(detector: Detector) -> None:
    results = run(SEED, detector)
    assert len(results) >= 5
    assert failures(results) == []


def test_demo_feed_pass_rate(detector: Detector) -> None:
    results = run(ROOT / "seeds" / "expected.json", detector)
    passed = sum(r["passed"] for r in results)
    print(f"\nseeds: {passed}/{len(results)}")
    assert passed / len(results) >= SEEDS_FLOOR - 1e-9, "\n".join(failures(results))


# -- the checker on hand-made claims ----------------------------------------------------------

def claim(cid: str, text: str, status: str = "unverified",
          observations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"claim_id": cid, "text": text, "status": status, "observations": observations or []}


def ob(party: str | None, stance: str, when: str = "current",
       sentence: str = "") -> dict[str, Any]:
    return {"party": party, "stance": stance, "when": when, "sentence": sentence}


TANKER = {"all_of": [["Lyra Dawn", "tanker"], ["seiz", "board"]]}


@pytest.mark.parametrize(("text", "expected"), [
    ("Dravonia seized the tanker", True),
    ("DRAVONIA SEIZED THE LYRA DAWN", True),                 # case-insensitive
    ("the lyra dawn was boarded", True),
    ("Dravonia unseized the tanker", False),                 # "seiz" must start a word
    ("the tanker was released", False),                      # second group missing
    ("Dravonia seized a ship", False),                       # first group missing
])
def test_match_groups_at_word_start(text: str, expected: bool) -> None:
    assert matches(TANKER, claim("c", text)) is expected


def test_match_reads_evidence_sentences_too() -> None:
    c = claim("c", "It happened", observations=[ob("A", "confirm",
                                                   sentence="Marines boarded the tanker.")])
    assert matches(TANKER, c)


def test_claim_expectation_met() -> None:
    exp = {"claims": [{"name": "seized", "match": TANKER, "final_status": "disputed",
                       "stances": [{"party": "kestria", "stance": "confirm"},
                                   {"party": "Dravonia", "stance": "deny", "when": "earlier"}],
                       "alerts": ["confirmed", "disputed"]}]}
    c = claim("c1", "Dravonia seized the tanker", "disputed",
              [ob("Kestria", "confirm"), ob("Dravonia", "deny", "earlier")])
    alerts = [{"claim_id": "c1", "type": "confirmed"}, {"claim_id": "c1", "type": "disputed"}]
    (r,) = check(exp, [c], alerts)
    assert r["passed"], r["problems"]
    assert r["claim_id"] == "c1"


@pytest.mark.parametrize(("change", "problem"), [
    ({"status": "confirmed"}, "status confirmed, expected disputed"),
    ({"observations": [ob("Kestria", "confirm"), ob("Dravonia", "deny")]},
     "no earlier deny by Dravonia"),
    ({"observations": [ob("Kestria", "report"), ob("Dravonia", "deny", "earlier")]},
     "no current confirm by kestria"),
])
def test_claim_expectation_problems(change: dict[str, Any], problem: str) -> None:
    exp = {"claims": [{"name": "seized", "match": TANKER, "final_status": "disputed",
                       "stances": [{"party": "kestria", "stance": "confirm"},
                                   {"party": "Dravonia", "stance": "deny", "when": "earlier"}]}]}
    c = claim("c1", "Dravonia seized the tanker", "disputed",
              [ob("Kestria", "confirm"), ob("Dravonia", "deny", "earlier")])
    c.update(change)
    (r,) = check(exp, [c], [])
    assert not r["passed"]
    assert problem in r["problems"]


def test_alerts_and_reversal_are_checked() -> None:
    exp = {"claims": [{"name": "r", "match": TANKER, "alerts": ["reversed"],
                       "reversal": {"party": "Dravonia", "from": "deny", "to": "confirm"}}]}
    c = claim("c1", "the tanker was seized", "confirmed")
    wrong = [{"claim_id": "c1", "type": "reversed",
              "reversal": {"party": "Dravonia", "from": "confirm", "to": "deny"}}]
    right = [{"claim_id": "c1", "type": "reversed",
              "reversal": {"party": "dravonia", "from": "deny", "to": "confirm"}}]
    other_claim = [{**right[0], "claim_id": "c2"}]
    assert not check(exp, [c], wrong)[0]["passed"]
    assert check(exp, [c], right)[0]["passed"]
    assert not check(exp, [c], other_claim)[0]["passed"]


def test_some_matching_claim_must_meet_the_expectation() -> None:
    exp = {"claims": [{"name": "s", "match": TANKER, "final_status": "confirmed"}]}
    bad = claim("c1", "the tanker was seized", "denied")
    good = claim("c2", "the Lyra Dawn was boarded", "confirmed")
    assert check(exp, [bad, good], [])[0]["passed"]
    r = check(exp, [bad], [])[0]
    assert not r["passed"] and r["claim_id"] == "c1"
    r = check(exp, [], [])[0]
    assert not r["passed"] and r["problems"] == ["no claim matches"]


def test_not_confirmed() -> None:
    exp = {"not_confirmed": [{"name": "casualties", "match": {"all_of": [["casualt"]]}}]}
    quiet = claim("c1", "Casualties were high", "unverified")
    assert check(exp, [quiet], [])[0]["passed"]
    assert check(exp, [], [])[0]["passed"]  # not found at all is fine
    # unverified, but an alert was raised for it
    assert not check(exp, [quiet], [{"claim_id": "c1", "type": "reversed"}])[0]["passed"]
    assert not check(exp, [claim("c1", "Casualties were high", "confirmed")], [])[0]["passed"]
    # an alert on another, non-matching claim does not count
    other = claim("c2", "the tanker was seized", "confirmed")
    assert check(exp, [quiet, other], [{"claim_id": "c2", "type": "confirmed"}])[0]["passed"]
