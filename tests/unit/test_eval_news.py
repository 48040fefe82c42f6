"""`claimwatch eval news`: the news-set scorer on a tiny folder written here.

Every name and sentence below is made up for this test. The figures are
computed by hand in the comments; when ../shared/tools/score_news.py is
present it must print the same figures for the same files.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agents.cli import main
from agents.evaluate import news

ROOT = Path(__file__).resolve().parents[2]
SCORE_NEWS = ROOT / ".." / "shared" / "tools" / "score_news.py"

TOPICS = """\
topics:
  - id: plant
    name: The Norhaven plant of Tollak Mills
    keywords: [Tollak, Norhaven plant]
    parties:
      Tollak: [Tollak, Tollak Mills]
      Union: [millworkers' union]
    claims:
      - id: c1
        statement: Tollak Mills will close its Norhaven plant
        keywords: [close, Norhaven plant]
  - id: bridge
    name: The Esk bridge in Varby
    keywords: [Esk bridge, Varby]
    parties:
      City: [Varby city council, mayor]
      Province: [transport ministry]
    claims:
      - id: c2
        statement: The Esk bridge reopens in May
        keywords: [Esk bridge, reopens]
"""

ITEMS = [
    {"id": "i1", "title": "Tollak Mills to close Norhaven plant",
     "body": "Tollak Mills said on Monday it will close its Norhaven plant. "
             "The millworkers' union said no decision had been taken."},
    {"id": "i2", "title": "Tollak Mills: Norhaven plant stays open",
     "body": "Tollak Mills denied it will close the Norhaven plant. "
             "The Esk bridge could reopen in May, a local paper reported."},
    {"id": "i3", "title": "Varby mayor: the Esk bridge reopens in May",
     "body": "The mayor of Varby said the Esk bridge reopens in May."},
    {"id": "i4", "title": "Esk bridge will not reopen in May, ministry says",
     "body": "The transport ministry said the Esk bridge will not reopen in May. "
             "A union leaflet said the Norhaven plant may close."},
]

# written out of feed order on purpose: the gold replay follows items.jsonl
LABELS = [
    {"id": "i4", "claim_id": "c2", "stance": "deny", "speaker_party": "Transport ministry",
     "secondary": {"stance": "confirm", "speaker_party": "City"}},
    {"id": "i4", "claim_id": "c1", "stance": "report", "speaker_party": None},
    {"id": "i1", "claim_id": "c1", "stance": "confirm", "speaker_party": "Tollak Mills",
     "secondary": {"stance": "deny", "speaker_party": "Union"}},
    {"id": "i1", "claim_id": "c2", "stance": "unrelated", "speaker_party": None},
    {"id": "i2", "claim_id": "c1", "stance": "deny", "speaker_party": "Tollak Mills"},
    {"id": "i2", "claim_id": "c2", "stance": "report", "speaker_party": None},
    {"id": "i3", "claim_id": "c2", "stance": "confirm", "speaker_party": "Mayor",
     "secondary": {"stance": "report", "speaker_party": "Province"}},
]

EXPECTED = {
    "party_aliases": {"Tollak Mills": "Tollak", "Mayor": "City",
                      "Transport ministry": ["Province", "Ministry"]},
    "final_status": {"c1": "denied", "c2": "disputed"},
    "final_status_also_accepted": {"c1": ["disputed"]},
    "reversals": [
        {"claim": "c1", "party": "Tollak Mills", "from": "confirm", "to": "deny"},
        {"claim": "c2", "party": "City", "from": "confirm", "to": "deny"},
    ],
}


def _obs(item: str, claim: str, stance: str, party: str | None, conf: float) -> dict[str, Any]:
    return {"kind": "observation", "item_id": item, "claim_id": claim, "stance": stance,
            "party": party, "confidence": conf}


def _alert(claim: str, kind: str, reversal: dict[str, str] | None = None) -> dict[str, Any]:
    return {"kind": "alert", "type": f"io.claimwatch.claim.{kind}.v1", "claim_id": claim,
            "reversal": reversal}


EVENTS: list[dict[str, Any]] = [
    _obs("i1", "c1", "confirm", "Tollak", 0.9),    # gold confirm, party via alias: right
    _obs("i1", "c1", "deny", "union", 0.5),        # the secondary deny by Union: found
    _alert("c1", "confirmed"),
    # i1/c2 has nothing: unrelated, right
    _obs("i2", "c1", "confirm", "Tollak", 0.8),    # gold deny: only a confirm, so confirm
    _obs("i2", "c1", "report", None, 0.95),
    _alert("c1", "reversed", {"party": "Tollak", "from": "confirm", "to": "deny"}),  # found
    _obs("i2", "c2", "report", None, 0.6),         # gold report: right
    _obs("i3", "c2", "deny", "City", 0.4),         # gold confirm is among them: confirm,
    _obs("i3", "c2", "confirm", "Mayor", 0.6),     # but no confirm names City: party wrong
    _obs("i3", "d1", "confirm", "City", 0.7),      # a discovered claim, not labelled
    _alert("c2", "confirmed"),
    _alert("d1", "confirmed"),
    _obs("i4", "c2", "deny", "Ministry", 0.7),     # gold deny, Ministry is an alias: right
    _obs("i4", "c1", "confirm", "Union", 0.3),     # gold report: confirm
    _obs("i4", "c1", "confirm", None, 0.5),
    _alert("c2", "reversed", {"party": "City", "from": "deny", "to": "confirm"}),  # not ->deny
    {"kind": "claim", "claim_id": "c1", "status": "disputed"},   # also accepted
    {"kind": "claim", "claim_id": "c2", "status": "disputed"},
    {"kind": "claim", "claim_id": "c2", "status": "confirmed"},  # the last one counts: wrong
    {"kind": "claim", "claim_id": "d1", "status": "confirmed"},
]

# confusion (gold -> predicted): confirm->confirm 2, deny->confirm 1, deny->deny 1,
# report->report 1, report->confirm 1, unrelated->unrelated 1; 5 of 7 right.
# F1: confirm P 2/4 R 1 -> 0.667; deny P 1 R 1/2 -> 0.667; report the same; unrelated 1.
# Party: pairs i1/c1, i3/c2, i4/c2 -> 2 of 3. Secondary: Union's deny yes, City's confirm
# on i4 no -> 1/2 (the report by Province does not count).
# Gold replay in feed order: c1 disputed (Tollak Mills confirm, Union deny) 1, Tollak
# Mills reverses 2, denied 3; c2 confirmed (Mayor) 4, disputed (ministry deny, City
# confirm) 5. In the order of labels.jsonl it would be 4.
FIGURES = {
    "pairs": 7,
    "accuracy": 0.714,
    "macro_f1": 0.75,
    "f1": {"confirm": 0.667, "deny": 0.667, "report": 0.667, "unrelated": 1.0},
    "party_accuracy": 0.667,
    "secondary_found": "1/2",
    "final_status": "1/2",
    "reversals": "1/2",
    "alerts": 5,
    "alerts_on_pinned": 4,
    "alerts_on_discovered": 1,
    "gold_alerts": 5,
    "alert_ratio": 1.0,
    "unparsable_lines": 1,
}


def _jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "news-tiny"
    folder.mkdir()
    (folder / "topics.yaml").write_text(TOPICS, encoding="utf-8")
    (folder / "items.jsonl").write_text(_jsonl(ITEMS), encoding="utf-8")
    (folder / "labels.jsonl").write_text(_jsonl(LABELS), encoding="utf-8")
    (folder / "expected.json").write_text(json.dumps(EXPECTED), encoding="utf-8")
    return folder


@pytest.fixture
def output(tmp_path: Path) -> Path:
    path = tmp_path / "detect.jsonl"
    text = _jsonl(EVENTS[:5]) + "claimwatch: a line that is not JSON\n\n{not json\n"
    path.write_text(text + _jsonl(EVENTS[5:]), encoding="utf-8")
    return path


def _last_json(text: str) -> dict[str, Any]:
    figures: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    return figures


def test_figures_computed_by_hand(dataset: Path, output: Path) -> None:
    with output.open(encoding="utf-8") as f:
        report = news.score(news.load_dataset(dataset), news.read_output(f))
    assert report.figures() == FIGURES
    assert list(report.figures()) == list(FIGURES)  # same keys in the same order
    lines = report.lines()
    assert "status c1: want denied, got disputed" in lines
    assert "status c2: want disputed, got confirmed  <-- wrong" in lines
    assert "reversal c1 Tollak Mills confirm->deny: found" in lines
    assert "reversal c2 City confirm->deny: MISSED" in lines
    assert "  deny      confirm:1 deny:1 report:0 unrelated:0" in lines


def test_records_score_as_their_lines(dataset: Path) -> None:
    report = news.score(news.load_dataset(dataset), news.collect(EVENTS))
    assert report.figures() == {**FIGURES, "unparsable_lines": 0}


def test_predicted_stance() -> None:
    confirm = _obs("i", "c", "confirm", None, 0.9)
    deny = _obs("i", "c", "deny", None, 0.2)
    report = _obs("i", "c", "report", None, 1.0)
    assert news.predict("deny", [confirm, deny]) == "deny"        # gold among them
    assert news.predict("report", [confirm, deny]) == "confirm"   # the most confident
    assert news.predict("confirm", [report]) == "report"
    assert news.predict("deny", []) == "unrelated"
    assert news.party_names("Mayor", {"Mayor": "City"}) == {"city"}
    assert news.party_names("M", {"M": ["Ab", "CD"]}) == {"ab", "cd"}
    assert news.party_names(None, {}) == set()


def test_cli_scores_a_precomputed_output(dataset: Path, output: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "news", str(dataset), "--from", str(output)]) == 0
    out = capsys.readouterr().out
    assert _last_json(out) == FIGURES
    assert out.splitlines()[0] == "status c1: want denied, got disputed"


def test_cli_runs_detect_and_saves_its_lines(dataset: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from agents import offline

    seen: list[tuple[Path, Path, str | None]] = []

    def fake_detect(topics: Path, feed: Path, model: str | None = None) -> Any:
        seen.append((topics, feed, model))
        return iter(EVENTS)

    monkeypatch.setattr(offline, "detect_events", fake_detect)
    saved = tmp_path / "saved.jsonl"
    assert main(["eval", "news", str(dataset), "--out", str(saved), "--model", "m"]) == 0
    assert seen == [(dataset / "topics.yaml", dataset / "items.jsonl", "m")]
    assert _last_json(capsys.readouterr().out) == {**FIGURES, "unparsable_lines": 0}
    assert [json.loads(line) for line in saved.read_text("utf-8").splitlines()] == EVENTS


def test_cli_output_equals_detect(dataset: Path, tmp_path: Path, nlp: Any,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "saved.jsonl"
    assert main(["eval", "news", str(dataset), "--out", str(saved)]) == 0
    figures = _last_json(capsys.readouterr().out)
    assert figures["pairs"] == 7 and figures["gold_alerts"] == 5
    assert main(["detect", "--topics", str(dataset / "topics.yaml"),
                 str(dataset / "items.jsonl")]) == 0
    assert saved.read_text("utf-8") == capsys.readouterr().out


def test_cli_reports_a_missing_folder(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "news", str(tmp_path / "nowhere")]) == 2
    assert "claimwatch eval news" in capsys.readouterr().err


@pytest.mark.shared
@pytest.mark.skipif(not SCORE_NEWS.exists(), reason="../shared/tools/score_news.py is absent")
def test_same_figures_as_score_news(dataset: Path, output: Path) -> None:
    done = subprocess.run([sys.executable, str(SCORE_NEWS), str(dataset), str(output)],
                          capture_output=True, text=True, timeout=60, check=True)
    with output.open(encoding="utf-8") as f:
        ours = news.score(news.load_dataset(dataset), news.read_output(f))
    assert _last_json(done.stdout) == ours.figures() == FIGURES
