"""FNC-1 reading and scoring, and the stance model read toward a claim (hand-made
examples; the shared data only in one test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.evaluate import fnc1
from detector.stancemodel import StanceModel, toward

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "fnc1"


def test_score_hand_made_example() -> None:
    gold = ["agree", "disagree", "discuss", "unrelated", "unrelated", "agree"]
    pred = ["agree", "discuss", "discuss", "unrelated", "agree", "unrelated"]
    res = fnc1.score(gold, pred)
    # agree ok 1.0; disagree→discuss 0.25; discuss ok 1.0; unrelated ok 0.25;
    # unrelated→agree 0; agree→unrelated 0
    assert res["fnc_score"] == pytest.approx(2.5)
    assert res["max_score"] == pytest.approx(4 * 1.0 + 2 * 0.25)
    assert res["relative_score"] == pytest.approx(2.5 / 4.5)
    assert res["confusion"] == [
        [1, 0, 0, 1],
        [0, 0, 1, 0],
        [0, 0, 1, 0],
        [1, 0, 0, 1],
    ]
    assert res["f1"]["agree"] == pytest.approx(0.5)
    assert res["f1"]["disagree"] == 0.0
    assert res["f1"]["discuss"] == pytest.approx(2 / 3)
    assert res["f1"]["unrelated"] == pytest.approx(0.5)
    assert res["macro_f1"] == pytest.approx((0.5 + 0 + 2 / 3 + 0.5) / 4)


def test_score_maps_model_labels() -> None:
    res = fnc1.score(["agree", "disagree", "discuss", "unrelated"],
                     ["confirm", "deny", "report", "unrelated"])
    assert res["relative_score"] == 1.0
    with pytest.raises(ValueError):
        fnc1.score(["agree"], ["maybe"])
    with pytest.raises(ValueError):
        fnc1.score(["agree"], [])


def test_read_and_evaluate_tiny_csvs(tmp_path: Path) -> None:
    (tmp_path / "bodies.csv").write_text(
        'Body ID,articleBody\n1,"The mayor denied the report, calling it a hoax."\n'
        '2,"The football club won the cup final on Sunday."\n', encoding="utf-8")
    (tmp_path / "stances.csv").write_text(
        "Headline,Body ID,Stance\nMayor resigns over scandal,1,disagree\n"
        "Mayor resigns over scandal,2,unrelated\n", encoding="utf-8")
    (tmp_path / "nostance.csv").write_text(
        "Headline,Body ID\nMayor resigns over scandal,1\n", encoding="utf-8")
    assert fnc1.read_bodies(tmp_path / "bodies.csv")["2"].startswith("The football")
    pairs = fnc1.read_stances(tmp_path / "stances.csv")
    assert [p.stance for p in pairs] == ["disagree", "unrelated"]
    assert fnc1.read_stances(tmp_path / "nostance.csv")[0].stance is None

    class Fixed:
        def predict_many(self, pairs):  # type: ignore[no-untyped-def]
            return [("deny", {}) for _ in pairs]

    res = fnc1.evaluate(tmp_path / "stances.csv", tmp_path / "bodies.csv", model=Fixed())
    assert res["predictions"] == ["disagree", "disagree"]
    assert res["relative_score"] == pytest.approx(1.0 / 1.25)
    assert res["items_per_s"] > 0
    res = fnc1.evaluate(tmp_path / "nostance.csv", tmp_path / "bodies.csv", model=Fixed())
    assert "relative_score" not in res and res["pairs"] == 1


SQUID = "Giant squid found alive on a beach in Cornwall"
DEBUNK = ("The photo of a giant squid alive on a beach in Cornwall is a hoax. Wildlife "
          "officials denied that any giant squid was found in Cornwall, calling the story "
          "fake; there is no evidence it happened.")
SUPPORT = ("A giant squid was found alive on a beach in Cornwall on Tuesday, the wildlife "
           "trust confirmed. Volunteers returned the giant squid to the sea.")


@pytest.mark.parametrize(("claim", "body", "stance"), [
    (SQUID, DEBUNK, "deny"),
    (SQUID, SUPPORT, "confirm"),
    # a polar claim (it calls the story false): a debunk agrees with it, FNC-1 style
    (f"{SQUID} is a hoax", DEBUNK, "confirm"),
    ("No giant squid was found alive in Cornwall", DEBUNK, "confirm"),
    (f"{SQUID} is a hoax", SUPPORT, "deny"),
])
def test_stance_is_read_toward_the_claim(claim: str, body: str, stance: str) -> None:
    model = StanceModel.load()
    assert model.predict(claim, body)[0] == stance


def test_toward_swaps_confirm_and_deny_for_a_polar_claim() -> None:
    classes = ["unrelated", "confirm", "deny", "report"]
    assert toward([0.1, 0.2, 0.3, 0.4], classes, polar=False) == [0.1, 0.2, 0.3, 0.4]
    assert toward([0.1, 0.2, 0.3, 0.4], classes, polar=True) == [0.1, 0.3, 0.2, 0.4]
    model = StanceModel.load()
    assert model.claim(f"{SQUID} is a hoax").polar
    assert model.claim("Squid did not wash up in Cornwall").polar
    assert not model.claim(SQUID).polar


@pytest.mark.shared
def test_evaluate_on_first_pairs_of_fnc1() -> None:
    if not (SHARED / "train_stances.csv").exists():
        pytest.skip("../shared/data/fnc1 is absent")
    res = fnc1.evaluate(SHARED / "train_stances.csv", SHARED / "train_bodies.csv", limit=2000)
    for key in ("fnc_score", "max_score", "relative_score", "f1", "macro_f1", "confusion",
                "items_per_s", "predictions"):
        assert key in res
    assert res["pairs"] == 2000 == sum(map(sum, res["confusion"]))
    assert set(res["f1"]) == {"agree", "disagree", "discuss", "unrelated"}
    # trained on these pairs, so this is a sanity floor, not a measurement
    assert res["relative_score"] > 0.7
    assert res["items_per_s"] > 50
