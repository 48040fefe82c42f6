"""PolNeAR reading and scoring: a brat sample of our own, hand-made token spans,
and one run over a few dev articles of ../shared (skipped when absent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.evaluate import polnear
from agents.evaluate.polnear import GoldTok, OursTok, Tally

POLNEAR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "polnear"

TEXT = ("The mayor said the bridge was closed. \"It will reopen soon,\" she added, "
        "\"probably in May.\" Rain fell.")


def _off(sub: str, start: int = 0) -> tuple[int, int]:
    i = TEXT.index(sub, start)
    return i, i + len(sub)


def _ann() -> str:
    src, cue, con = _off("The mayor"), _off("said"), _off("the bridge was closed")
    q1, q2 = _off('"It will reopen soon,"'), _off('"probably in May."')
    she, added = _off("she"), _off("added")
    return "\n".join([
        f"T1\tSource {src[0]} {src[1]}\tThe mayor",
        f"T2\tCue {cue[0]} {cue[1]}\tsaid",
        f"T3\tContent {con[0]} {con[1]}\tthe bridge was closed",
        f"T4\tAttribution {cue[0]} {cue[1]}\tsaid",
        "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1",
        f"T5\tContent {q1[0]} {q1[1]};{q2[0]} {q2[1]}\t\"It will reopen soon,\" \"probably",
        "in May.\"",  # a span text that held a newline: its tail is no brat line
        f"T6\tCue {added[0]} {added[1]}\tadded",
        f"T7\tSource {she[0]} {she[1]}\tshe",
        f"T8\tAttribution {added[0]} {added[1]}\tadded",
        "E2\tAttribution:T8 Cue:T6 Source:T7 Content:T5",
        f"T9\tCue {_off('fell')[0]} {_off('fell')[1]}\tfell",
        f"T10\tContent {_off('Rain')[0]} {_off('Rain')[1]}\tRain",
        f"T11\tAttribution {_off('fell')[0]} {_off('fell')[1]}\tfell",
        "E3\tAttribution-no-source:T11 Content:T10 Cue:T9",
        "T12\tAttribution 0 3\tThe",
        "E4\tAttribution-no-source:T12 ",  # no cue: dropped
        "#1\tAnnotatorNotes T1\ta note",
        "",
    ])


def test_parse_ann_joins_spans_by_event() -> None:
    gold = polnear.parse_ann(_ann())
    assert [g.id for g in gold] == ["E1", "E2", "E3"]
    e1, e2, e3 = gold
    assert [TEXT[s:e] for s, e in e1.cue] == ["said"]
    assert [TEXT[s:e] for s, e in e1.source] == ["The mayor"]
    assert [TEXT[s:e] for s, e in e1.content] == ["the bridge was closed"]
    # discontinuous content: two pieces, in text order
    assert [TEXT[s:e] for s, e in e2.content] == ['"It will reopen soon,"', '"probably in May."']
    assert [TEXT[s:e] for s, e in e2.source] == ["she"]
    assert e3.source == ()


def test_read_split_pairs_texts_and_first_annotator(tmp_path: Path) -> None:
    (tmp_path / "text").mkdir()
    (tmp_path / "attributions").mkdir()
    (tmp_path / "text" / "paper_2016-01-01_bridge.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "attributions" / "paper_2016-01-01_bridge_ab12.ann").write_text(_ann())
    (tmp_path / "attributions" / "paper_2016-01-01_bridge_cd34.ann").write_text("")
    (tmp_path / "attributions" / "orphan_ab12.ann").write_text(_ann())
    arts = polnear.read_split(tmp_path)
    assert [a.name for a in arts] == ["paper_2016-01-01_bridge"]
    assert len(arts[0].gold) == 3 and arts[0].text == TEXT
    with pytest.raises(FileNotFoundError):
        polnear.read_split(tmp_path / "nowhere")


def test_token_f1() -> None:
    assert polnear.token_f1(frozenset({1, 2}), frozenset({2, 3, 4, 5})) == pytest.approx(
        (0.5, 0.25, 1 / 3))
    assert polnear.token_f1(frozenset(), frozenset({1})) == (0.0, 0.0, 0.0)
    assert polnear.token_f1(frozenset(), frozenset()) == (1.0, 1.0, 1.0)


def _g(cue: set[int], source: set[int], heads: set[int], content: set[int],
       lemma: str) -> GoldTok:
    return GoldTok(frozenset(cue), frozenset(source), frozenset(heads), frozenset(content), lemma)


def _o(cue: int, speaker: set[int], head: int | None, kind: str, content: set[int]) -> OursTok:
    return OursTok(cue, frozenset(speaker), head, kind, frozenset(content))


def test_alignment_and_scores_on_hand_made_spans() -> None:
    gold = [
        _g({2}, {0, 1}, {1}, {3, 4, 5, 6}, "say"),          # found, source head right
        _g({10, 11}, {8, 9}, {9}, {12, 13}, "accord to"),   # missed
        _g({20}, {17, 18}, {18}, {21, 22}, "tell"),          # found, source overlaps, wrong head
        _g({30}, set(), set(), {31, 32}, "show"),            # found, no gold source
        _g({40}, {38}, {38}, {41}, ":"),                     # missed
    ]
    ours = [
        _o(2, {0, 1}, 1, "named", {3, 4, 5}),       # content P 1, R 3/4
        _o(20, {16, 17}, 16, "pronoun", {21, 22}),  # content exact
        _o(30, set(), None, "publisher", {31, 33}),  # content P 1/2 R 1/2
        _o(50, {48}, 48, "named", {51}),            # not a gold cue
    ]
    t = Tally()
    polnear.score_article(gold, ours, t)
    r = polnear.report(t)
    assert r["articles"] == 1
    assert r["gold_attributions"] == 5 and r["statements"] == 4
    assert r["cue_recall"] == pytest.approx(3 / 5)
    assert r["cue_precision"] == pytest.approx(3 / 4)
    assert r["pairs"] == 3
    assert r["source"]["pairs_with_gold_source"] == 2
    assert r["source"]["accuracy"] == pytest.approx(1.0)
    assert r["source"]["head_accuracy"] == pytest.approx(0.5)
    assert r["no_source"] == {"pairs": 1, "we_gave_none": 1, "agreement": 1.0}
    f1_first = 2 * 1 * 0.75 / 1.75
    assert r["content"]["f1"] == pytest.approx((f1_first + 1 + 0.5) / 3, abs=1e-4)
    assert r["missed_cues"] == [["accord to", 1], [":", 1]]
    kinds = r["by_speaker_kind"]
    assert kinds["named"]["statements"] == 2 and kinds["named"]["cue_precision"] == 0.5
    assert kinds["pronoun"]["source_accuracy"] == 1.0
    assert kinds["pronoun"]["source_head_accuracy"] == 0.0


def test_two_gold_attributions_on_one_cue_are_both_found() -> None:
    gold = [_g({5}, {0}, {0}, {6}, "say"), _g({5}, {2}, {2}, {7}, "say")]
    t = Tally()
    polnear.score_article(gold, [_o(5, {0}, 0, "named", {6})], t)
    r = polnear.report(t)
    assert r["cue_recall"] == 1.0 and r["cue_precision"] == 1.0
    assert r["source"]["accuracy"] == 0.5


def test_evaluate_on_own_article(tmp_path: Path, nlp: Any) -> None:
    (tmp_path / "text").mkdir()
    (tmp_path / "attributions").mkdir()
    (tmp_path / "text" / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "attributions" / "a_ab12.ann").write_text(_ann())
    r = polnear.evaluate(tmp_path, nlp=nlp)
    assert r["articles"] == 1 and r["gold_attributions"] == 3
    assert r["cue_recall"] and r["cue_recall"] >= 1 / 3  # "The mayor said ..." at least
    assert r["source"]["accuracy"] == 1.0


@pytest.mark.shared
@pytest.mark.skipif(not (POLNEAR / "dev").is_dir(), reason="../shared/data/polnear absent")
def test_evaluate_five_dev_articles(nlp: Any) -> None:
    r = polnear.evaluate(POLNEAR / "dev", limit=5, nlp=nlp)
    for key in ("articles", "gold_attributions", "statements", "cue_recall", "cue_precision",
                "source", "no_source", "content", "by_speaker_kind", "missed_cues",
                "articles_per_s"):
        assert key in r
    assert r["articles"] == 5
    assert r["cue_recall"] > 0
