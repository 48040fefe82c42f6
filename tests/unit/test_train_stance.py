"""scripts/train_stance.py: the same data gives the same model, on any numpy build."""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from agents.evaluate import fnc1
from detector.stancemodel import MODEL_RESOURCE

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "fnc1"


@pytest.fixture(scope="module")
def train() -> ModuleType:
    path = ROOT / "scripts" / "train_stance.py"
    spec = importlib.util.spec_from_file_location("train_stance", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("train_stance", module)
    spec.loader.exec_module(module)
    return module


def test_text_vocabulary_keeps_every_term_of_a_tied_count(train: ModuleType,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A threshold, not a cap: no term is chosen among others of the same count."""
    monkeypatch.setattr(train, "TEXT_MIN_DF", 2)
    monkeypatch.setattr(train, "TEXT_MIN_COUNT", 3)
    texts = ["red kites nest here", "red kites nest there", "red kites fly",
             "blue herons nest", "blue herons wade"]
    vocab = train.text_vocabulary(texts)
    assert vocab == sorted(vocab)
    # terms are stems: "red", "kit", "nest" and "red kit" 3 times each, in 3 texts
    assert {"red", "kit", "nest", "red kit"} <= set(vocab)
    # in two texts but only twice: below the count
    assert not {"blue", "heron", "kit nest"} & set(vocab)
    # the order of the texts changes nothing
    assert train.text_vocabulary(texts[::-1]) == vocab


@pytest.mark.shared
def test_the_shipped_text_model_has_the_vocabulary_the_script_chooses(train: ModuleType) -> None:
    """The part of the model that a numpy build's sort order used to change."""
    if not (SHARED / "train_bodies.csv").exists():
        pytest.skip("../shared/data/fnc1 is absent")
    bodies = fnc1.read_bodies(SHARED / "train_bodies.csv")
    vocab = train.text_vocabulary([bodies[b] for b in sorted(bodies)])
    with gzip.open(ROOT / "detector" / "data" / MODEL_RESOURCE, "rt", encoding="utf-8") as f:
        shipped = json.load(f)["body_lr"]["terms"]
    assert list(shipped) == vocab
