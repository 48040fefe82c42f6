"""The claim status machine: pure, deterministic, replayable.

`apply(state, observation)` returns the next state and the transitions that
deserve an alert. The worker only stores states and replays observations;
the same observations in the same order always give the same states and the
same alert ids, and an observation applied twice changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from detector.model import (
    ClaimState,
    Observation,
    PartyStance,
    Reversal,
    Stance,
    Status,
    Transition,
    stable_id,
)

#: roles whose statements set a party's stance; the rest count as media support
AUTHORITATIVE_ROLES = frozenset({"party", "official"})
SEEN_LIMIT = 2000
TIMELINE_LIMIT = 100


def new_state(claim_id: str, topic_id: str, text: str) -> ClaimState:
    return ClaimState(claim_id=claim_id, topic_id=topic_id, text=text)


def decide_status(
    parties: dict[str, PartyStance],
    media_confirms: int,
    media_denies: int,
    min_confirmations: int,
) -> Status:
    # a stance the item reports as taken before ("had dismissed") is history: it can
    # reveal a reversal but does not make the claim's present status
    current = [s for s in parties.values() if s.when == "current"]
    confirm = any(s.stance == "confirm" for s in current)
    deny = any(s.stance == "deny" for s in current)
    if confirm and deny:
        return "disputed"
    if confirm:
        return "confirmed"
    if deny:
        return "denied"
    media_confirm = media_confirms >= min_confirmations
    media_deny = media_denies >= min_confirmations
    if media_confirm and media_deny:
        return "disputed"
    if media_confirm:
        return "confirmed"
    if media_deny:
        return "denied"
    return "unverified"


def _party_key(obs: Observation) -> str | None:
    if obs.role not in AUTHORITATIVE_ROLES:
        return None
    return obs.party or obs.speaker or None


def apply(
    state: ClaimState, obs: Observation, min_confirmations: int = 2
) -> tuple[ClaimState, list[Transition]]:
    """Apply one observation to a claim's state."""
    if obs.observation_id in state.seen_observations:
        return state, []
    seq = state.seq + 1
    parties = dict(state.parties)
    media_confirm = list(state.media_confirm_sources)
    media_deny = list(state.media_deny_sources)
    reversals = list(state.reversals)
    reversal: Reversal | None = None

    party = _party_key(obs)
    if obs.stance in ("confirm", "deny"):
        if party is not None:
            reversal = _update_party(parties, reversals, party, obs, seq)
        else:
            bucket = media_confirm if obs.stance == "confirm" else media_deny
            key = (obs.source or obs.speaker or obs.item_id).casefold()
            if key not in bucket:
                bucket.append(key)

    status = decide_status(parties, len(media_confirm), len(media_deny), min_confirmations)
    seen = (*state.seen_observations, obs.observation_id)[-SEEN_LIMIT:]
    nxt = replace(
        state,
        status=status,
        parties=tuple(sorted(parties.items())),
        media_confirm_sources=tuple(media_confirm),
        media_deny_sources=tuple(media_deny),
        reversals=tuple(reversals),
        seen_observations=seen,
        seq=seq,
        timeline=(*state.timeline, obs)[-TIMELINE_LIMIT:],
    )
    stances = tuple((p, s.stance) for p, s in nxt.parties)
    # one status alert per item: from the status before the item to the one after it,
    # raised on the item's last observation of the claim, with the evidence of the
    # observation that made that status
    base = state.item_base if state.item_base is not None else state.status
    change = obs.observation_id if status != state.status else state.item_change
    flips = state.item_reversals
    if reversal is not None:
        flips = (*flips, (reversal.party, reversal.from_stance, reversal.to_stance,
                          obs.observation_id, state.status))
    if not obs.item_last:
        return replace(nxt, item_base=base, item_change=change, item_reversals=flips), []
    nxt = replace(nxt, item_base=None, item_change="", item_reversals=())
    out: list[Transition] = []
    if status != base and status != "unverified":
        out.append(_transition(nxt, status, base, _in_timeline(nxt, change, obs), stances, None))
    for party, before, after, oid, previous in flips:  # after the item's status alert
        flip = Reversal(party, before, after)  # type: ignore[arg-type]
        out.append(_transition(nxt, "reversed", previous,  # type: ignore[arg-type]
                               _in_timeline(nxt, oid, obs), stances, flip))
    return nxt, out


def _in_timeline(state: ClaimState, observation_id: str, default: Observation) -> Observation:
    """The observation of that id in the claim's timeline (the current one if not)."""
    return next((o for o in reversed(state.timeline) if o.observation_id == observation_id),
                default)


def _update_party(
    parties: dict[str, PartyStance],
    reversals: list[tuple[str, str, str, str]],
    party: str,
    obs: Observation,
    seq: int,
) -> Reversal | None:
    stance: Stance = obs.stance
    prev = parties.get(party)
    flip: tuple[Stance, Stance, str] | None = None
    if obs.when == "current":
        if prev is None or prev.stance != stance:
            if prev is not None:
                flip = (prev.stance, stance, obs.observation_id)
            parties[party] = PartyStance(stance, "current", obs.observation_id, seq)
        else:
            # a repeat keeps the observation that opened this run of the stance
            parties[party] = replace(prev, when="current", seq=seq)
    elif prev is None:
        parties[party] = PartyStance(stance, "earlier", obs.observation_id, seq)
    elif prev.when == "current" and prev.stance != stance:
        # "had previously dismissed": the party moved from this to its current stance
        flip = (stance, prev.stance, prev.observation_id)
    if flip is None:
        return None
    key = (party, flip[0], flip[1], flip[2])
    if key in {tuple(r) for r in reversals}:
        return None
    reversals.append(key)
    return Reversal(party, flip[0], flip[1])


def _transition(
    state: ClaimState,
    kind: str,
    previous: Status,
    obs: Observation,
    stances: tuple[tuple[str, Stance], ...],
    reversal: Reversal | None,
) -> Transition:
    extra = (reversal.party, reversal.from_stance, reversal.to_stance) if reversal else ()
    return Transition(
        alert_id=stable_id(state.claim_id, kind, obs.observation_id, *extra, length=32),
        type=kind,  # type: ignore[arg-type]
        claim_id=state.claim_id,
        topic_id=state.topic_id,
        claim_text=state.text,
        previous_status=previous,
        new_status=state.status,
        observation=obs,
        party_stances=stances,
        reversal=reversal,
    )


def state_to_dict(state: ClaimState) -> dict[str, Any]:
    return {
        "claim_id": state.claim_id,
        "topic_id": state.topic_id,
        "text": state.text,
        "status": state.status,
        "parties": {
            p: {"stance": s.stance, "when": s.when, "observation_id": s.observation_id,
                "seq": s.seq}
            for p, s in state.parties
        },
        "media_confirm_sources": list(state.media_confirm_sources),
        "media_deny_sources": list(state.media_deny_sources),
        "reversals": [list(r) for r in state.reversals],
        "seen_observations": list(state.seen_observations),
        "seq": state.seq,
        "timeline": [o.to_dict() for o in state.timeline],
        "item_base": state.item_base,
        "item_change": state.item_change,
        "item_reversals": [list(r) for r in state.item_reversals],
    }


def state_from_dict(d: dict[str, Any]) -> ClaimState:
    return ClaimState(
        claim_id=d["claim_id"],
        topic_id=d["topic_id"],
        text=d["text"],
        status=d["status"],
        parties=tuple(
            (p, PartyStance(v["stance"], v["when"], v["observation_id"], int(v["seq"])))
            for p, v in sorted(d.get("parties", {}).items())
        ),
        media_confirm_sources=tuple(d.get("media_confirm_sources", ())),
        media_deny_sources=tuple(d.get("media_deny_sources", ())),
        reversals=tuple(tuple(r) for r in d.get("reversals", ())),
        seen_observations=tuple(d.get("seen_observations", ())),
        seq=int(d.get("seq", 0)),
        timeline=tuple(Observation.from_dict(o) for o in d.get("timeline", ())),
        item_base=d.get("item_base"),
        item_change=d.get("item_change") or "",
        item_reversals=tuple(tuple(r) for r in d.get("item_reversals", ())),
    )
