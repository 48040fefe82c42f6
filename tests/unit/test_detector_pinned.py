"""Pinned claims: kept ids, matched by their own words, and the report an item gets
when it concerns a pinned claim but quotes nobody on it."""

from __future__ import annotations

from typing import Any

from detector import Detector, Item, Topic

TOPIC = {
    "id": "phones",
    "name": "Handset safety",
    "claims": [{"id": "x200-recall",
                "statement": "Corvane recalls X200 phones over battery fires"}],
}


def test_pinned_claim_keeps_its_id_and_collects_statements(nlp: Any) -> None:
    d = Detector([Topic.from_dict(TOPIC)], nlp=nlp)
    item = Item(id="a1", body="Corvane confirmed on Monday that it was recalling its X200 phones "
                              "after several battery fires, a spokeswoman said.")
    obs = d.detect(item)
    assert obs, "no observation"
    assert {o.claim_id for o in obs} == {"x200-recall"}
    assert any(o.stance == "confirm" for o in obs)


def test_item_on_a_pinned_claim_without_a_statement_gets_a_report(nlp: Any) -> None:
    d = Detector([Topic.from_dict(TOPIC)], nlp=nlp)
    item = Item(id="a2", title="X200 phones pulled from shelves",
                body="Shops across the region removed Corvane X200 phones from their shelves "
                     "on Monday after reports of battery fires. The X200 phones had been on "
                     "sale since March.")
    obs = [o for o in d.detect(item) if o.claim_id == "x200-recall"]
    assert obs, "the item concerns the pinned claim but got no observation"
    assert all(o.role == "media" and o.party is None for o in obs)
    assert all(0.0 <= o.confidence <= 1.0 for o in obs)


def test_item_sharing_one_word_with_a_pinned_claim_is_not_about_it(nlp: Any) -> None:
    d = Detector([Topic.from_dict(TOPIC)], nlp=nlp)
    item = Item(id="a3", body="Battery prices fell for a third month, traders said on Friday.")
    assert d.detect(item) == []
    assert not d.is_relevant(item)
