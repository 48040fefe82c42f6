"""The shipped stance model: pure-Python inference on texts the team wrote."""

from __future__ import annotations

import gzip
import json
from importlib import resources

import pytest

from detector.stancemodel import (
    BODY_LR_CLASSES,
    FEATURE_NAMES,
    LABELS,
    MODEL_RESOURCE,
    StanceModel,
    split_sentences,
    stem,
)

CLAIM = "Giant squid found alive on a beach in Cornwall"


@pytest.fixture(scope="module")
def model() -> StanceModel:
    return StanceModel.load()


def _file_bytes() -> bytes:
    return resources.files("detector").joinpath("data", MODEL_RESOURCE).read_bytes()


def test_model_file_is_small_and_gzip_json() -> None:
    data = _file_bytes()
    assert len(data) < 20_000_000
    spec = json.loads(gzip.decompress(data))
    assert spec["classes"] and set(spec["classes"]) == set(LABELS)
    assert tuple(spec["features"]) == FEATURE_NAMES  # the file matches this code's features


def test_loading_is_deterministic(model: StanceModel) -> None:
    other = StanceModel.load()
    text = ("Marine biologists said a giant squid was found alive on a beach in Cornwall, "
            "though the claim has not been verified.")
    assert model.predict(CLAIM, text) == other.predict(CLAIM, text)
    assert StanceModel.from_bytes(_file_bytes()).spec == model.spec


def test_hoax_body_is_deny(model: StanceModel) -> None:
    body = (
        "A photo said to show a giant squid alive on a beach in Cornwall is a hoax. "
        "The giant squid picture was faked, experts said, and the beach story is false. "
        "Cornwall wildlife officials denied that any squid was found, calling the "
        "claim fake and debunked. There is no evidence a giant squid washed up alive."
    )
    label, proba = model.predict(CLAIM, body)
    assert label == "deny", proba
    assert abs(sum(proba.values()) - 1.0) < 1e-9


def test_unrelated_body_is_unrelated(model: StanceModel) -> None:
    body = ("The central bank raised interest rates by a quarter point on Wednesday, "
            "citing persistent inflation in services and a tight labour market.")
    label, proba = model.predict(CLAIM, body)
    assert label == "unrelated"
    assert proba["unrelated"] > 0.5


def test_related_body_is_related(model: StanceModel) -> None:
    body = (
        "A giant squid was found alive on a beach in Cornwall on Tuesday, "
        "the Cornwall wildlife trust confirmed. The giant squid, eight metres long, "
        "was returned to the sea by volunteers from the beach."
    )
    label, _ = model.predict(CLAIM, body)
    assert label in {"confirm", "report"}


def test_predict_many_reuses_prepared_body(model: StanceModel) -> None:
    body = model.prepare("Officials deny that a giant squid was found alive in Cornwall.")
    claims = [CLAIM, "Stock markets fall sharply in Tokyo"]
    many = model.predict_many([(c, body) for c in claims])
    assert many == [model.predict(c, body) for c in claims]
    assert many[1][0] == "unrelated"
    text = "Officials deny that a giant squid was found alive in Cornwall."
    assert model.predict_many([(CLAIM, text)])[0] == model.predict(CLAIM, text)


def test_body_text_model_reads_a_debunk(model: StanceModel) -> None:
    debunk = ("The story is a hoax. Experts said the photo was fake and the claim is false; "
              "officials denied it and said it never happened.")
    plain = ("Volunteers returned the squid to the sea on Tuesday, the wildlife trust said, "
             "and a marine biologist described how it was found.")
    p_debunk, p_plain = model.body_lr(debunk), model.body_lr(plain)
    assert len(p_debunk) == len(BODY_LR_CLASSES) and abs(sum(p_debunk) - 1.0) < 1e-9
    deny = BODY_LR_CLASSES.index("deny")
    assert p_debunk[deny] > 0.5 > p_plain[deny]
    x = model.features(CLAIM, debunk)
    assert len(x) == len(FEATURE_NAMES) and x[-len(BODY_LR_CLASSES):] == list(p_debunk)


def test_features_need_the_text_model() -> None:
    bare = StanceModel.feature_only({}, 1.0)
    assert bare.body_lr("It is a hoax.") == ()
    assert len(bare.base_features(CLAIM, "It is a hoax.")) == len(FEATURE_NAMES) - 3
    with pytest.raises(ValueError, match="no body text model"):
        bare.features(CLAIM, "It is a hoax.")


def test_text_helpers() -> None:
    assert split_sentences("One. Two! \"Three?\" Four") == ["One.", "Two!", "\"Three?\"", "Four"]
    assert stem("denies") == stem("denied") == stem("deny")
