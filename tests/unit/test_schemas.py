"""The records are declared once; the committed JSON Schema files follow them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from detector import Evidence, Observation, Topic, apply, new_state
from schemas import export
from schemas.records import (
    EXPORTS,
    AlertClaim,
    AlertData,
    AlertEvidence,
    AlertReversal,
    DeadLetter,
    EvidenceSpan,
    NewsItem,
)
from schemas.records import Observation as ObservationRecord

SCHEMA_DIR = Path(export.__file__).resolve().parent


def validator(stem: str) -> Draft202012Validator:
    doc = json.loads((SCHEMA_DIR / f"{stem}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(doc)
    return Draft202012Validator(doc, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("name", sorted(export.exported()))
def test_committed_schema_matches_a_fresh_export(name: str) -> None:
    committed = SCHEMA_DIR / name
    assert committed.exists(), f"{name} missing: run python -m schemas.export"
    assert committed.read_text(encoding="utf-8") == export.exported()[name], (
        f"{name} is stale: run python -m schemas.export and commit the result")


def test_export_check_mode_reports_a_stale_file(tmp_path: Path) -> None:
    assert export.main(["--dir", str(tmp_path)]) == 0
    assert export.main(["--check", "--dir", str(tmp_path)]) == 0
    (tmp_path / "news_item.v1.schema.json").write_text("{}", encoding="utf-8")
    assert export.main(["--check", "--dir", str(tmp_path)]) == 1


def test_every_exported_file_is_a_2020_12_schema_of_its_record() -> None:
    for stem, record in EXPORTS.items():
        doc = json.loads((SCHEMA_DIR / f"{stem}.schema.json").read_text(encoding="utf-8"))
        assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert doc["title"] == record._options.namespace
        Draft202012Validator.check_schema(doc)


def _observation(**over: object) -> ObservationRecord:
    fields = dict(
        observation_id="o1", claim_id="c1", claim_text="Troops were sent", topic_id="t1",
        item_id="i1", stance="confirm", role="party", when="current",
        evidence=EvidenceSpan(sentence="KCNA confirmed troops were sent.", start=0, end=31),
        confidence=0.9, source="Wire", url="https://example.org/a", speaker="KCNA",
        party="North Korea", ingested_at=1.5)
    fields.update(over)
    return ObservationRecord(**fields)


SAMPLES = {
    "news_item.v1": NewsItem(id="a1", title="T", body="B", source="Wire",
                             url="https://example.org/a", published_at="2026-03-02T10:00:00Z",
                             language="en"),
    "observation.v1": _observation(),
    "dead_letter.v1": DeadLetter(reason="invalid_json", detail="line 1", source_topic="n",
                                 partition=0, offset=7, value_b64="e30=", key_b64=None,
                                 timestamp=1.0, item_id=None, dead_at=2.0),
    "alert.v1": AlertData(
        claim=AlertClaim(id="c1", text="Troops were sent", topic="t1"),
        previous_status="unverified", new_status="confirmed",
        party_stances={"North Korea": "confirm"},
        evidence=AlertEvidence(quote="q", item_id="i1", start=0, end=1, url=None,
                               speaker="KCNA", party="North Korea"),
        reversal=AlertReversal(party="Russia", from_="deny", to="confirm")),
}


@pytest.mark.parametrize("stem", sorted(SAMPLES))
def test_round_trip_is_plain_json_and_valid(stem: str) -> None:
    rec = SAMPLES[stem]
    raw = rec.dumps()
    data = json.loads(raw)
    assert not any(k.startswith("__faust") for k in data), "metadata leaked into the JSON"
    assert type(rec).loads(raw) == rec
    errors = list(validator(stem).iter_errors(data))
    assert not errors, errors


def test_reversal_serializes_the_from_keyword() -> None:
    data = json.loads(SAMPLES["alert.v1"].dumps())
    assert data["reversal"] == {"party": "Russia", "from": "deny", "to": "confirm"}


def test_alert_from_a_real_transition_is_valid() -> None:
    from agents.deliver import alert_data

    obs = Observation("o1", "c1", "Troops were sent", "t1", "i1", "Wire", None, None,
                      "confirm", "KCNA", "North Korea", "party", "current",
                      Evidence("KCNA confirmed it.", 0, 18), 0.9)
    _, transitions = apply(new_state("c1", "t1", "Troops were sent"), obs)
    assert [t.type for t in transitions] == ["confirmed"]
    data = json.loads(alert_data(transitions[0]).dumps())
    assert not list(validator("alert.v1").iter_errors(data))
    assert data["claim"] == {"id": "c1", "text": "Troops were sent", "topic": "t1"}


def test_tracked_topic_schema_accepts_what_topics_add_publishes() -> None:
    from agents.topics import encode_topic

    topic = Topic.from_dict({"id": "kursk", "name": "Kursk", "keywords": ["Kursk"],
                             "parties": {"Russia": ["Moscow"]},
                             "claims": [{"statement": "Russia retook Kursk"}]})
    data = json.loads(encode_topic(topic))
    assert not list(validator("tracked_topic.v1").iter_errors(data))


@pytest.mark.parametrize("bad", [
    {"title": "no id"},
    {"id": "x"},
    {"id": "x", "title": "", "body": ""},
    {"id": "x", "title": 3},
    {"id": "x", "title": "t", "url": 5},
])
def test_news_item_schema_rejects(bad: dict[str, object]) -> None:
    assert list(validator("news_item.v1").iter_errors(bad))


def test_observation_schema_rejects_an_unknown_stance() -> None:
    data = json.loads(_observation(stance="maybe").dumps())
    assert list(validator("observation.v1").iter_errors(data))
