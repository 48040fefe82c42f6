"""What reading one item builds up, statement by statement: the speakers and
claims the item named so far (for "he said", "the ministry denied this"), and
the observations found. One ItemState per item, made by Detector._observe and
handed to the jobs that need it; nothing of an item stays on the Detector.

Speaker lives here, not in speakers.py, so that the state can hold speakers and
the jobs can take the state without importing each other in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from detector.claims import Claim
from detector.model import Observation, Role
from detector.scan import ItemScan


@dataclass
class Speaker:
    text: str | None
    party: str | None
    role: Role
    person: bool = False
    also: tuple[str, ...] = ()  # "X and Y said": the other parties speaking together


@dataclass
class ItemState:
    scan: ItemScan
    #: the observations so far, and how firmly each takes its stance (stances.strength)
    out: list[Observation] = field(default_factory=list)
    strength: list[tuple[int, float]] = field(default_factory=list)
    #: (claim, party or speaker, stance, when + sentence start) already observed
    seen: set[tuple[str, str, str, str]] = field(default_factory=set)
    #: the claim the item spoke to last, and every claim it spoke to, in order
    last_claim: Claim | None = None
    item_claims: list[Claim] = field(default_factory=list)
    #: party -> the claim it took a stance on last
    party_claims: dict[str, Claim] = field(default_factory=dict)
    #: the claim an outlet or anonymous source stated last ("dismissed the report")
    media_claim: Claim | None = None
    #: the last named person and group that spoke, and the last person named at all
    last_person: Speaker | None = None
    last_group: Speaker | None = None
    last_mention: Speaker | None = None
    #: the last party named as a sentence's subject, spoken or not ("The agency
    #: finished its review. It found that ...")
    last_subject: Speaker | None = None
    #: named speakers with a party, in order (for "the minister")
    recent: list[Speaker] = field(default_factory=list)
    #: people named in the item with the party their title gives them, by each end
    #: of the name ("spokesperson Mao Ning ... Mao denied")
    people: dict[str, Speaker] = field(default_factory=dict)
    #: who is speaking in the quote the last sentence ended in, and where it ended
    quote_speaker: tuple[Speaker, int] | None = None
