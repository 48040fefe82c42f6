"""The claim status machine as a table of transitions."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from detector import (
    Evidence,
    Observation,
    Reversal,
    apply,
    new_state,
    state_from_dict,
    state_to_dict,
)

CLAIM = "c1"
PARTY = "party"


def obs(n: int, stance: str, party: str | None = None, *, when: str = "current",
        role: str | None = None, source: str = "Wire", item: str | None = None,
        claim: str = CLAIM) -> Observation:
    """Observation number n; a party's statement unless role says otherwise."""
    if role is None:
        role = "party" if party else "media"
    return Observation(
        observation_id=f"o{n}", claim_id=claim, claim_text="Troops were sent",
        topic_id="t", item_id=item or f"i{n}", source=source, url=None, published_at=None,
        stance=stance,  # type: ignore[arg-type]
        speaker=party, party=party, role=role,  # type: ignore[arg-type]
        when=when,  # type: ignore[arg-type]
        evidence=Evidence(f"sentence {n}", 0, 10), confidence=0.8,
    )


def run(observations: list[Observation], min_confirmations: int = 2):
    state = new_state(CLAIM, "t", "Troops were sent")
    alerts = []
    for o in observations:
        state, out = apply(state, o, min_confirmations)
        alerts.extend(out)
    return state, alerts


# (name, observations, min_confirmations, final status, alert types in order)
TABLE = [
    ("party confirms", [obs(1, "confirm", "A")], 2, "confirmed", ["confirmed"]),
    ("official confirms", [obs(1, "confirm", "A", role="official")], 2, "confirmed",
     ["confirmed"]),
    ("party denies", [obs(1, "deny", "A")], 2, "denied", ["denied"]),
    ("confirm then deny by another party",
     [obs(1, "confirm", "A"), obs(2, "deny", "B")], 2, "disputed", ["confirmed", "disputed"]),
    ("deny then confirm by another party",
     [obs(1, "deny", "A"), obs(2, "confirm", "B")], 2, "disputed", ["denied", "disputed"]),
    ("report changes nothing", [obs(1, "report", "A")], 2, "unverified", []),
    ("report after confirm changes nothing",
     [obs(1, "confirm", "A"), obs(2, "report", "B")], 2, "confirmed", ["confirmed"]),
    ("media report changes nothing", [obs(1, "report")], 1, "unverified", []),
    ("one media confirm is not enough", [obs(1, "confirm", source="Wire")], 2, "unverified", []),
    ("two media confirms from one source are not enough",
     [obs(1, "confirm", source="Wire"), obs(2, "confirm", source="wire")], 2, "unverified", []),
    ("two distinct media sources confirm",
     [obs(1, "confirm", source="Wire"), obs(2, "confirm", source="Gazette")], 2, "confirmed",
     ["confirmed"]),
    ("min_confirmations 1: one media source confirms",
     [obs(1, "confirm", source="Wire")], 1, "confirmed", ["confirmed"]),
    ("min_confirmations 3: two sources are not enough",
     [obs(1, "confirm", source="Wire"), obs(2, "confirm", source="Gazette")], 3, "unverified",
     []),
    ("anonymous sources count as media, not as a party",
     [obs(1, "confirm", "A", role="anonymous")], 2, "unverified", []),
    ("two media sources deny", [obs(1, "deny", source="Wire"), obs(2, "deny", source="Gazette")],
     2, "denied", ["denied"]),
    ("a party deny outweighs media confirms",
     [obs(1, "confirm", source="Wire"), obs(2, "confirm", source="Gazette"), obs(3, "deny", "A")],
     2, "denied", ["confirmed", "denied"]),
    ("a repeated confirm raises no second alert",
     [obs(1, "confirm", "A"), obs(2, "confirm", "A")], 2, "confirmed", ["confirmed"]),
    ("a second party confirming raises nothing",
     [obs(1, "confirm", "A"), obs(2, "confirm", "B")], 2, "confirmed", ["confirmed"]),
    ("a party flips deny -> confirm across items",
     [obs(1, "deny", "A"), obs(2, "confirm", "A")], 2, "confirmed",
     ["denied", "confirmed", "reversed"]),
    ("a party flips confirm -> deny across items",
     [obs(1, "confirm", "A"), obs(2, "deny", "A")], 2, "denied",
     ["confirmed", "denied", "reversed"]),
    ("earlier deny then current confirm in one item",
     [obs(1, "deny", "A", when="earlier", item="i1"), obs(2, "confirm", "A", item="i1")], 2,
     "confirmed", ["confirmed", "reversed"]),
    ("current confirm then an earlier deny in the same item",
     [obs(1, "confirm", "A", item="i1"), obs(2, "deny", "A", when="earlier", item="i1")], 2,
     "confirmed", ["confirmed", "reversed"]),
    ("the same earlier deny repeated in another item",
     [obs(1, "confirm", "A", item="i1"), obs(2, "deny", "A", when="earlier", item="i1"),
      obs(3, "deny", "A", when="earlier", item="i2")], 2, "confirmed",
     ["confirmed", "reversed"]),
    ("an earlier statement alone is history: no status, no alert",
     [obs(1, "deny", "A", when="earlier")], 2, "unverified", []),
    ("an earlier deny by one party does not dispute another's current confirm",
     [obs(1, "confirm", "B"), obs(2, "deny", "A", when="earlier")], 2, "confirmed",
     ["confirmed"]),
]


@pytest.mark.parametrize(("observations", "min_conf", "status", "alerts"),
                         [t[1:] for t in TABLE], ids=[t[0] for t in TABLE])
def test_transitions(observations, min_conf, status, alerts) -> None:
    state, got = run(observations, min_conf)
    assert state.status == status
    assert [t.type for t in got] == alerts


def test_reversal_names_the_party_and_both_stances() -> None:
    _, alerts = run([obs(1, "deny", "A"), obs(2, "confirm", "A")])
    (rev,) = [t for t in alerts if t.type == "reversed"]
    assert rev.reversal == Reversal("A", "deny", "confirm")
    assert rev.observation.observation_id == "o2"
    assert dict(rev.party_stances) == {"A": "confirm"}


def test_earlier_deny_after_current_confirm_reverses_deny_to_confirm() -> None:
    _, alerts = run([obs(1, "confirm", "A", item="i1"),
                     obs(2, "deny", "A", when="earlier", item="i1"),
                     obs(3, "deny", "A", when="earlier", item="i2")])
    revs = [t for t in alerts if t.type == "reversed"]
    assert [t.reversal for t in revs] == [Reversal("A", "deny", "confirm")]


def test_earlier_statement_does_not_replace_current_stance() -> None:
    state, _ = run([obs(1, "confirm", "A"), obs(2, "deny", "A", when="earlier")])
    assert dict((p, s.stance) for p, s in state.parties) == {"A": "confirm"}


def test_disputed_alert_lists_both_parties() -> None:
    _, alerts = run([obs(1, "confirm", "A"), obs(2, "deny", "B")])
    assert alerts[-1].type == "disputed"
    assert alerts[-1].previous_status == "confirmed"
    assert alerts[-1].new_status == "disputed"
    assert dict(alerts[-1].party_stances) == {"A": "confirm", "B": "deny"}


def test_same_observation_twice_changes_nothing() -> None:
    o = obs(1, "confirm", "A")
    state, first = run([o])
    again, second = apply(state, o)
    assert first and second == []
    assert again == state
    assert again.seq == state.seq


def test_redelivered_flip_does_not_reverse_twice() -> None:
    flip = obs(2, "confirm", "A")
    state, _ = run([obs(1, "deny", "A"), flip])
    state2, out = apply(state, flip)
    assert out == []
    assert state2 == state


def test_alert_ids_are_deterministic() -> None:
    seq = [obs(1, "deny", "A"), obs(2, "confirm", "A"), obs(3, "deny", "B")]
    _, a = run(seq)
    _, b = run(list(seq))
    assert [t.alert_id for t in a] == [t.alert_id for t in b]


def test_alert_ids_differ_between_transitions() -> None:
    # one observation that both changes the status and reverses the party
    _, alerts = run([obs(1, "deny", "A"), obs(2, "confirm", "A"), obs(3, "deny", "B"),
                     obs(4, "confirm", "B")])
    ids = [t.alert_id for t in alerts]
    assert len(alerts) >= 5
    assert len(set(ids)) == len(ids)


def test_alert_ids_differ_between_claims() -> None:
    _, a = run([obs(1, "confirm", "A")])
    s = new_state("c2", "t", "Other")
    _, b = apply(s, obs(1, "confirm", "A", claim="c2"))
    assert a[0].alert_id != b[0].alert_id


def test_state_round_trips_through_a_dict() -> None:
    state, _ = run([obs(1, "confirm", source="Wire"), obs(2, "deny", "A", when="earlier"),
                    obs(3, "confirm", "A"), obs(4, "deny", "B"), obs(5, "deny", source="Gazette")])
    data = json.loads(json.dumps(state_to_dict(state)))
    back = state_from_dict(data)
    assert back == state
    assert back.timeline == state.timeline  # not part of equality: check it too
    assert state_to_dict(back) == data


def test_replay_from_a_restored_state_continues_identically() -> None:
    seq = [obs(1, "deny", "A"), obs(2, "confirm", "A"), obs(3, "deny", "B")]
    _, whole = run(seq)
    state, first = run(seq[:1])
    state = state_from_dict(json.loads(json.dumps(state_to_dict(state))))
    rest = []
    for o in seq[1:]:
        state, out = apply(state, o)
        rest.extend(out)
    # a redelivered observation after the restore is still recognised
    state, dup = apply(state, seq[0])
    assert dup == []
    assert [t.alert_id for t in first + rest] == [t.alert_id for t in whole]


def test_one_item_raises_one_status_alert_from_the_status_before_it() -> None:
    # an item holding a denial, then a confirmation, then a report on one claim: the
    # claim goes from unverified to disputed in one alert, raised on the item's last
    # observation, quoting the observation that disputed it (not the report)
    deny = replace(obs(1, "deny", "A", item="i1"), item_last=False)
    confirm = replace(obs(2, "confirm", "B", item="i1"), item_last=False)
    report = obs(3, "report", "C", item="i1")
    state, alerts = run([deny, confirm, report])
    assert state.status == "disputed"
    assert [(a.type, a.previous_status, a.observation.observation_id) for a in alerts] == [
        ("disputed", "unverified", "o2")]
    # the next item starts from there, and a party's change of mind is still its own
    # alert: B now denies too
    state2, more = apply(state, obs(4, "deny", "B", item="i2"))
    assert state2.status == "denied"
    assert [(a.type, a.previous_status) for a in more] == [("denied", "disputed"),
                                                            ("reversed", "disputed")]


def test_an_item_left_open_survives_a_restart() -> None:
    # a worker stopped between an item's observations: the state it stored remembers the
    # status before the item, so the restarted worker raises the same one alert
    first = replace(obs(1, "deny", "A", item="i1"), item_last=False)
    state, none = run([first])
    assert none == [] and state.status == "denied"
    restored = state_from_dict(json.loads(json.dumps(state_to_dict(state))))
    _, alerts = apply(restored, obs(2, "confirm", "B", item="i1"))
    assert [(a.type, a.previous_status, a.observation.observation_id) for a in alerts] == [
        ("disputed", "unverified", "o2")]


def test_a_reversal_within_an_item_follows_its_status_alert() -> None:
    # A denied; then one item where A confirms (a reversal) and a report follows: the
    # claim is confirmed, then A is said to have reversed, in that order, each quoting
    # A's confirmation; the same after a restart between the item's observations
    flip = replace(obs(2, "confirm", "A", item="i2"), item_last=False)
    tail = obs(3, "report", "C", item="i2")
    state, first = run([obs(1, "deny", "A", item="i1"), flip])
    assert [a.type for a in first] == ["denied"]
    for s in (state, state_from_dict(json.loads(json.dumps(state_to_dict(state))))):
        _, alerts = apply(s, tail)
        assert [(a.type, a.previous_status, a.observation.observation_id) for a in alerts] \
            == [("confirmed", "denied", "o2"), ("reversed", "denied", "o2")]
        assert alerts[1].reversal == Reversal("A", "deny", "confirm")
