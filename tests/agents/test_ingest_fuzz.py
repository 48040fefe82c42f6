"""parse_news and the dead-letter builder over the fuzz generator, no broker:
every malformed message gets its one reason, every valid item parses, every
dead letter fits the producer's request size; and nothing but Rejected ever
leaves parse_news (hypothesis)."""

from __future__ import annotations

import base64
import json
import os

import pytest
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.ingest import MAX_KEY_COPY, Rejected, dead_letter, parse_news
from tests.malformed import Case, generate

SEED = int(os.environ.get("CLAIMWATCH_FUZZ_SEED", "20261202"))
LIMIT = 65_536
MAX_REQUEST = 1_000_000  # faust's producer_max_request_size


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return generate(SEED, limit=LIMIT)


def test_every_malformed_message_gets_its_reason_and_every_valid_item_parses(
        cases: list[Case]) -> None:
    wrong = []
    for case in cases:
        try:
            item = parse_news(case.value, LIMIT)
        except Rejected as r:
            if r.reason != case.reason or not r.detail:
                wrong.append((case.n, case.kind, case.reason, r.reason, r.detail[:80]))
        else:
            if case.reason is not None or item.id != f"fz-{case.n}":
                wrong.append((case.n, case.kind, case.reason, "accepted", item.id[:40]))
    assert not wrong, f"seed {SEED}: {len(wrong)} wrong, e.g. {wrong[:5]}"
    assert sum(c.reason is not None for c in cases) == 10_000
    assert {"killer_5000_digits", "killer_2mb_body", "huge_key"} <= {c.kind for c in cases}


def test_every_dead_letter_fits_the_producers_request_and_says_when_it_is_cut(
        cases: list[Case]) -> None:
    cut = set()
    for case in cases:
        if case.reason is None:
            continue
        rec = dead_letter(reason=case.reason, detail="d", topic="news", partition=0,
                          offset=case.n, value=case.value, key=case.key, max_bytes=MAX_REQUEST)
        value = rec.dumps()
        assert DefaultRecordBatchBuilder.estimate_size_in_bytes(None, value, []) \
            <= MAX_REQUEST, case.kind
        copy = base64.b64decode(rec.value_b64)
        original = case.value or b""
        assert rec.value_size == (None if case.value is None else len(original))
        key_copy = base64.b64decode(rec.key_b64) if rec.key_b64 is not None else None
        if rec.truncated:
            cut.add(case.kind)
            assert original.startswith(copy), case.kind
            assert len(copy) < len(original) or key_copy != case.key, case.kind
            assert "truncated" in rec.detail
        else:
            assert copy == original and key_copy == case.key, case.kind
        if case.key is not None:
            assert key_copy == case.key[:MAX_KEY_COPY]
    assert cut == {"killer_2mb_body", "message_over_size", "huge_key"}


def test_the_2mb_dead_letter_keeps_as_much_of_the_start_as_fits() -> None:
    body = json.dumps({"id": "a", "body": "x" * 2_000_000}).encode()
    rec = dead_letter(reason="too_large", detail="message of 2000023 bytes", topic="news",
                      partition=3, offset=9, value=body, max_bytes=MAX_REQUEST)
    copy = base64.b64decode(rec.value_b64)
    assert rec.truncated and rec.value_size == len(body) and body.startswith(copy)
    assert len(copy) > 0.7 * MAX_REQUEST  # the budget goes to the copy
    assert f"first {len(copy)} of {len(body)} bytes" in rec.detail
    assert len(rec.dumps()) <= MAX_REQUEST


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=5),
    max_leaves=20)
fields = st.fixed_dictionaries({}, optional={
    name: json_values for name in ("id", "title", "body", "source", "url", "published_at",
                                   "language")})


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | fields.map(lambda d: json.dumps(d).encode()))
def test_parse_news_raises_nothing_but_rejected(raw: bytes) -> None:
    try:
        parse_news(raw, LIMIT)
    except Rejected as r:
        assert r.reason in ("invalid_json", "invalid_utf8", "schema", "too_large",
                            "missing_field")
