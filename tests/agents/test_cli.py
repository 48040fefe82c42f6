"""The claimwatch command: readable alerts, clear errors and exit codes."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from agents import cli
from agents.client import format_alert
from agents.deliver import cloudevent, parse_cloudevent
from detector import Evidence, Observation, apply, new_state


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMWATCH_BROKER", f"kafka://127.0.0.1:{closed_port()}")


@pytest.mark.parametrize("argv", [["tail", "--max", "1"], ["topics", "list"],
                                  ["topics", "remove", "x"], ["worker"]])
def test_unreachable_broker_is_one_line_and_exit_2(
        no_broker: None, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot reach the Kafka broker" in err[0]


def test_replay_of_a_missing_file_says_so(no_broker: None, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["replay", str(tmp_path / "absent.jsonl")]) == 1
    assert "absent.jsonl" in capsys.readouterr().err


def test_replay_with_no_broker_exits_2(no_broker: None, tmp_path: Path) -> None:
    feed = tmp_path / "f.jsonl"
    feed.write_text('{"id": "a", "title": "t"}\n', encoding="utf-8")
    assert cli.main(["replay", str(feed)]) == 2


def test_malformed_topics_file_is_reported_before_touching_the_broker(
        no_broker: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("topics: [ {id: x", encoding="utf-8")
    assert cli.main(["topics", "add", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert "t.yaml" in err and "invalid YAML" in err and "Traceback" not in err


def test_bad_setting_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMWATCH_PARTITIONS", "zero")
    with pytest.raises(SystemExit, match="CLAIMWATCH_PARTITIONS"):
        cli.main(["tail"])


def test_offline_commands_are_registered() -> None:
    parser = cli.build_parser()
    choices = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"worker", "replay", "tail", "topics", "demo"} <= set(choices)


def test_alert_line_shows_time_type_claim_status_who_quote_link() -> None:
    o1 = Observation("o1", "c1", "Dravonia holds the crew", "t", "i1", "Wire", None, None,
                     "deny", "Oprea", "Dravonia", "party", "current",
                     Evidence("Oprea rejected reports.", 0, 10), 0.9)
    o2 = Observation("o2", "c1", "Dravonia holds the crew", "t", "i2", "Wire",
                     "https://example.org/2", None, "confirm", "Dravonia", "Dravonia",
                     "party", "current", Evidence("Dravonia acknowledged it.", 0, 10), 0.9)
    state, _ = apply(new_state("c1", "t", "Dravonia holds the crew"), o1)
    _, transitions = apply(state, o2)
    reversed_ = next(t for t in transitions if t.type == "reversed")
    headers, value = cloudevent(reversed_, app_id="cw", decided_at=1_772_000_000.0)
    line = format_alert(parse_cloudevent(headers, value))
    assert line.startswith("2026-02-25T")
    assert "REVERSED" in line and "Dravonia holds the crew" in line and "-> confirmed" in line
    assert "Dravonia reversed deny -> confirm" in line
    assert '"Dravonia acknowledged it."' in line and line.endswith("https://example.org/2")
