"""Every alert of the demo feed is one a person would want: its claim reads as a whole
statement, and its stance does not contradict the sentence it quotes.

The checks here are written independently of the detector's own rules (a small
parse of the claim text, a few cue words of the quote), so that a detector
regression that files a denial as a confirmation, or opens a claim on a fragment
("Personal terms agreed with", "About the tanker's 14 crew members"), fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from detector import Detector, Item
from detector.feed import FeedRun

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"

#: words that, governing the quote, make it a denial (a "confirmed" alert on one is wrong)
DENIAL = re.compile(r"\b(den(y|ies|ied|ying)|reject(s|ed)?|dismiss(es|ed)?|refut(e|es|ed)|"
                    r"no truth|fabricat(ed|ion)|false|baseless)\b", re.IGNORECASE)
#: a confirmation the quote itself makes ("confirmed", "acknowledged", "admitted")
CONFIRMATION = re.compile(r"\b(confirm(s|ed)?|acknowledg(es|ed)|admit(s|ted)|announc(es|ed))\b",
                          re.IGNORECASE)


@pytest.fixture(scope="module")
def alerts(nlp: Any) -> list[Any]:
    from agents.topics import load_topics_file

    run = FeedRun(Detector(load_topics_file(SEEDS / "topics.yaml"), nlp=nlp))
    items = [json.loads(line) for line in (SEEDS / "feed.jsonl").read_text("utf-8").splitlines()
             if line.strip()]
    for _ in run.run(Item(id=d["id"], title=d.get("title") or "", body=d.get("body") or "",
                          source=d.get("source") or "") for d in items):
        pass
    out = [t for ts in run.alerts.values() for t in ts]
    assert out, "the demo feed raised no alert"
    return out


def whole(nlp: Any, text: str) -> bool:
    """A clause with a subject and a finite verb, or a noun phrase headed by a noun,
    starting with neither a preposition nor a possessive and not cut off."""
    doc = nlp(text)
    toks = [t for t in doc if not t.is_punct]
    if not toks or toks[0].pos_ in ("ADP", "SCONJ", "CCONJ") or toks[0].tag_ == "PRP$":
        return False
    if toks[-1].pos_ in ("ADP", "DET", "CCONJ", "SCONJ", "PART") or toks[-1].tag_ == "PRP$":
        return False
    if any(t.dep_ in ("nsubj", "nsubjpass", "expl") for t in doc) and \
            any(t.tag_ in ("VBD", "VBZ", "VBP", "MD") for t in doc):
        return True
    roots = [t for t in doc if t.dep_ == "ROOT"]
    return len(roots) == 1 and roots[0].pos_ in ("NOUN", "PROPN")


def test_every_alert_is_on_a_whole_statement(nlp: Any, alerts: list[Any]) -> None:
    bad = sorted({a.claim_text for a in alerts if not whole(nlp, a.claim_text)})
    assert bad == [], bad


def own_part(quote: str, speaker: str | None) -> str:
    """The part of a two-sided quote ("X says ...; Y calls it a fabrication") that holds
    the speaker of the observation."""
    parts = re.split(r";|, but |\bwhile\b", quote)
    if speaker:
        mine = [p for p in parts if speaker.lower() in p.lower()]
        if mine:
            return mine[0]
    return quote


def test_no_alert_contradicts_its_quote(alerts: list[Any]) -> None:
    bad = []
    for a in alerts:
        quote = own_part(a.observation.evidence.sentence, a.observation.speaker)
        stance = a.observation.stance
        if stance == "confirm" and DENIAL.search(quote) and not CONFIRMATION.search(quote):
            bad.append(f"{a.type}: confirm on a denial: {quote}")
        if stance == "deny" and CONFIRMATION.search(quote) and not DENIAL.search(quote) \
                and not re.search(r"\bnot\b|n't|\bno\b|\bnever\b", quote):
            bad.append(f"{a.type}: deny on a confirmation: {quote}")
    assert bad == [], "\n".join(bad)


def test_the_demo_raises_few_alerts(alerts: list[Any]) -> None:
    """Four stories and their distractors: a perfect monitor raises about a dozen
    alerts; the noise of the keyword era (46) must not come back."""
    assert len(alerts) <= 24, [f"{a.type} {a.claim_text}" for a in alerts]
