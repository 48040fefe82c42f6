"""FNC-1 reading and scoring (hand-made examples; the shared data only in one test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.evaluate import fnc1

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
