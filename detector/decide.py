"""The decision step every runner shares: dedup key, dedup, apply.

The worker (agents.ingest, agents.detect, agents.track), `claimwatch detect`
(detector.feed.FeedRun) and the integration tests' reference all decide an
item the same way: an item whose id or normalized text was seen before is a
duplicate and is not detected again; each observation of a fresh item goes
through the status machine with its topic's `min_confirmations`. Keeping the
key and the step here is what makes "the worker emits what the offline run
decides" a property and not a coincidence.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import OrderedDict
from typing import Any, Literal

from detector.model import ClaimState, Observation, Transition
from detector.status import apply, new_state

DuplicateKind = Literal["id", "text"]

_WORDS = re.compile(r"\w+")
#: ASCII bytes: a word character lower-cased, anything else a space
_ASCII_WORD_BYTES = bytes(ord(c.lower()) if c.isalnum() or c == "_" else 32
                          for c in map(chr, range(256)))


def text_key(title: str, body: str) -> bytes:
    """Digest of the normalized text: syndicated copies of an item share it.

    Normalized = NFKC, case-folded, words only (punctuation, quotes and
    spacing differ between copies). The body decides when there is one, since
    syndicated copies often retitle; else the title.
    """
    return hashlib.blake2b(key_text(body if body.strip() else title).encode("utf-8"),
                           digest_size=16).digest()


def key_text(text: str) -> str:
    """The words of `text`, NFKC-normalized and case-folded, one space apart."""
    if text.isascii():
        # the same words as the regex, ten times faster (every item pays it): in
        # ASCII, NFKC changes nothing and a word character is [A-Za-z0-9_]; a
        # bytes table translates in C where a str mapping calls back per character
        return b" ".join(text.encode("ascii").translate(_ASCII_WORD_BYTES).split()).decode()
    return " ".join(_WORDS.findall(unicodedata.normalize("NFKC", text).casefold()))


class Seen:
    """Remembers the last `capacity` item ids and text digests (LRU)."""

    def __init__(self, capacity: int = 200_000) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._texts: OrderedDict[bytes, None] = OrderedDict()

    def seen(self, item_id: str, digest: bytes) -> DuplicateKind | None:
        """Record the item (its id and its `text_key`); say whether it
        duplicates an earlier one."""
        if self._remember(self._ids, item_id):
            return "id"
        if self._remember(self._texts, digest):
            return "text"
        return None

    def _remember(self, lru: OrderedDict[Any, None], key: Any) -> bool:
        if key in lru:
            lru.move_to_end(key)
            return True
        lru[key] = None
        if len(lru) > self.capacity:
            lru.popitem(last=False)
        return False

    def __len__(self) -> int:
        return len(self._ids)


def decide(state: ClaimState | None, obs: Observation,
           min_confirmations: int) -> tuple[ClaimState, list[Transition]]:
    """One observation through the status machine, from the claim's state
    (None for a claim not seen yet). The state comes back unchanged (the same
    object) for an observation id the claim has seen."""
    if state is None:
        state = new_state(obs.claim_id, obs.topic_id, obs.claim_text)
    return apply(state, obs, min_confirmations)
