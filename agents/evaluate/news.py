"""Score `claimwatch detect` output on a labelled real-news folder.

A folder holds `topics.yaml`, `items.jsonl` (the feed, in order), `labels.jsonl`
(one gold stance per item and pinned claim, with the speaker's party and an
optional secondary stance) and `expected.json` (party aliases, final status per
pinned claim, the statuses also accepted, the party reversals). The figures
are those of ../shared/tools/score_news.py, with the same keys and values:

- each labelled (item, claim) pair gets one predicted stance: the gold stance
  when it is among the pair's confirm/deny observations, else the stance of
  its most confident confirm/deny observation, else `report` when the pair has
  any observation, else `unrelated`; accuracy, F1 per class and macro-F1
  (the mean of the four rounded F1s) over those;
- party accuracy: of the pairs whose confirm/deny gold stance was predicted,
  those where an observation of that stance names the gold party (or a party
  the aliases map it to); secondary found: the same for secondary stances;
- final status per pinned claim, reversals found (party and new stance on an
  alert of the claim), alerts in all, on pinned and on discovered claims;
- gold alerts: what a perfect monitor raises, the gold confirm/deny stances
  with a party replayed in feed order (one alert per party that changes its
  stance, one per status change), and the ratio of alerts to it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LABELS: tuple[str, ...] = ("confirm", "deny", "report", "unrelated")
SIDED: frozenset[str] = frozenset(("confirm", "deny"))

Record = Mapping[str, Any]
PairKey = tuple[Any, Any]  # (item_id, claim_id) as the output gives them


@dataclass(frozen=True)
class Side:
    """A gold stance and the party that took it (None: no party)."""

    stance: str | None
    party: str | None


@dataclass(frozen=True)
class Label:
    item_id: str
    claim_id: str
    primary: Side
    secondary: Side | None


@dataclass(frozen=True)
class ExpectedReversal:
    claim_id: str
    party: str
    from_stance: str
    to_stance: str


@dataclass(frozen=True)
class Dataset:
    labels: tuple[Label, ...]
    item_order: Mapping[str, int]
    aliases: Mapping[str, str | list[str]]
    final_status: Mapping[str, str]
    also_accepted: Mapping[str, Sequence[str]]
    reversals: tuple[ExpectedReversal, ...]


@dataclass
class DetectOutput:
    """The records of a detect run, grouped as the scorer reads them."""

    observations: dict[PairKey, list[Record]] = field(default_factory=dict)
    alerts: list[Record] = field(default_factory=list)
    claims: dict[Any, Record] = field(default_factory=dict)
    unparsable: int = 0

    def add(self, record: Record) -> None:
        kind = record.get("kind")
        if kind == "observation":
            key = (record.get("item_id"), record.get("claim_id"))
            self.observations.setdefault(key, []).append(record)
        elif kind == "alert":
            self.alerts.append(record)
        elif kind == "claim":
            self.claims[record.get("claim_id")] = record  # the last one wins


# -- reading -----------------------------------------------------------------

def _jsonl(path: Path) -> list[Any]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _side(data: Mapping[str, Any]) -> Side:
    return Side(stance=data.get("stance"), party=data.get("speaker_party"))


def _label(data: Mapping[str, Any]) -> Label:
    secondary = data.get("secondary")
    return Label(item_id=data["id"], claim_id=data["claim_id"], primary=_side(data),
                 secondary=_side(secondary) if secondary else None)


def load_dataset(folder: Path) -> Dataset:
    """The labels, feed order and expectations of a folder (OSError, ValueError, KeyError)."""
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    order = {item["id"]: n for n, item in enumerate(_jsonl(folder / "items.jsonl"))}
    reversals = tuple(
        ExpectedReversal(claim_id=r["claim"], party=r["party"], from_stance=r["from"],
                         to_stance=r["to"])
        for r in expected["reversals"])
    return Dataset(
        labels=tuple(_label(d) for d in _jsonl(folder / "labels.jsonl")),
        item_order=order,
        aliases=expected["party_aliases"],
        final_status=expected["final_status"],
        also_accepted=expected.get("final_status_also_accepted", {}),
        reversals=reversals,
    )


def collect(records: Iterable[Record]) -> DetectOutput:
    out = DetectOutput()
    for record in records:
        out.add(record)
    return out


def read_output(lines: Iterable[str]) -> DetectOutput:
    """Detect output as JSON lines; lines not starting with `{` are skipped."""
    out = DetectOutput()
    for raw in lines:
        line = raw.strip()
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            out.unparsable += 1
            continue
        out.add(record)
    return out


# -- the measures ------------------------------------------------------------

def party_names(party: str | None, aliases: Mapping[str, str | list[str]]) -> set[str]:
    """The lower-cased names a gold party counts as (an alias maps to its party)."""
    if party is None:
        return set()
    target = aliases.get(party, party)
    names = target if isinstance(target, list) else [target]
    return {name.lower() for name in names}


def _party(obs: Record) -> str:
    return str(obs.get("party") or "").lower()


def sided(observations: Sequence[Record]) -> list[Record]:
    return [o for o in observations if o.get("stance") in SIDED]


def predict(gold: str | None, observations: Sequence[Record]) -> str:
    """The stance one labelled pair is credited with."""
    candidates = sided(observations)
    if gold in {o["stance"] for o in candidates}:
        return str(gold)
    if candidates:
        best = max(candidates, key=lambda o: o.get("confidence") or 0)
        return str(best["stance"])
    return "report" if observations else "unrelated"


def has_party(stance: str | None, want: set[str], observations: Sequence[Record]) -> bool:
    return any(o["stance"] == stance and _party(o) in want for o in sided(observations))


def f1(tp: int, fp: int, fn: int) -> float:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def f1_per_class(confusion: Mapping[tuple[str, str], int]) -> dict[str, float]:
    out = {}
    for c in LABELS:
        tp = confusion.get((c, c), 0)
        fp = sum(v for (g, p), v in confusion.items() if p == c and g != c)
        fn = sum(v for (g, p), v in confusion.items() if g == c and p != c)
        out[c] = round(f1(tp, fp, fn), 3)
    return out


def status_of(stances: Iterable[str]) -> str:
    seen = set(stances)
    if not seen:
        return "unverified"
    if seen == {"confirm"}:
        return "confirmed"
    if seen == {"deny"}:
        return "denied"
    return "disputed"


def gold_alerts(dataset: Dataset) -> int:
    """Alerts a perfect monitor raises on the pinned claims."""
    def position(label: Label) -> tuple[int, str]:
        return dataset.item_order.get(label.item_id, 0), label.claim_id

    stances: dict[str, dict[str, str]] = {}
    status: dict[str, str] = {}
    count = 0
    for label in sorted(dataset.labels, key=position):
        parties = stances.setdefault(label.claim_id, {})
        for side in (label.primary, label.secondary):
            if side is None or side.stance not in SIDED or not side.party:
                continue
            before = parties.get(side.party)
            count += bool(before and before != side.stance)  # a reversal
            parties[side.party] = side.stance
        now = status_of(parties.values())
        if now != status.get(label.claim_id, "unverified"):
            count += 1
            status[label.claim_id] = now
    return count


def reversal_found(rev: ExpectedReversal, alerts: Sequence[Record],
                   aliases: Mapping[str, str | list[str]]) -> bool:
    want = party_names(rev.party, aliases)
    for alert in alerts:
        got = alert.get("reversal")
        if alert.get("claim_id") == rev.claim_id and got and \
                str(got.get("party") or "").lower() in want and got.get("to") == rev.to_stance:
            return True
    return False


# -- the report --------------------------------------------------------------

@dataclass
class Report:
    confusion: Counter[tuple[str, str]]
    party_ok: int
    party_n: int
    secondary_ok: int
    secondary_n: int
    statuses: list[tuple[str, str, Any, bool]]  # claim, wanted, got, accepted
    reversals: list[tuple[ExpectedReversal, bool]]
    alerts: int
    alerts_on_pinned: int
    gold_alerts: int
    unparsable: int

    def figures(self) -> dict[str, Any]:
        """The JSON figures, keys and values as score_news.py prints them."""
        pairs = sum(self.confusion.values())
        right = sum(v for (g, p), v in self.confusion.items() if g == p)
        f1s = f1_per_class(self.confusion)
        return {
            "pairs": pairs,
            "accuracy": round(right / pairs, 3) if pairs else 0.0,
            "macro_f1": round(sum(f1s[c] for c in LABELS) / len(LABELS), 3),
            "f1": f1s,
            "party_accuracy": round(self.party_ok / self.party_n, 3) if self.party_n else 0.0,
            "secondary_found": f"{self.secondary_ok}/{self.secondary_n}",
            "final_status": f"{sum(ok for *_, ok in self.statuses)}/{len(self.statuses)}",
            "reversals": f"{sum(ok for _, ok in self.reversals)}/{len(self.reversals)}",
            "alerts": self.alerts,
            "alerts_on_pinned": self.alerts_on_pinned,
            "alerts_on_discovered": self.alerts - self.alerts_on_pinned,
            "gold_alerts": self.gold_alerts,
            "alert_ratio": round(self.alerts / self.gold_alerts, 2) if self.gold_alerts
            else None,
            "unparsable_lines": self.unparsable,
        }

    def lines(self) -> list[str]:
        """Human-readable details: status per claim, reversals, the confusion matrix."""
        out = [f"status {cid}: want {want}, got {got}" + ("" if ok else "  <-- wrong")
               for cid, want, got, ok in self.statuses]
        out += [f"reversal {r.claim_id} {r.party} {r.from_stance}->{r.to_stance}: "
                + ("found" if ok else "MISSED") for r, ok in self.reversals]
        out.append("confusion (gold -> predicted):")
        out += [f"  {g:9s} " + " ".join(f"{p}:{self.confusion[(g, p)]}" for p in LABELS)
                for g in LABELS]
        return out


def score(dataset: Dataset, output: DetectOutput) -> Report:
    confusion: Counter[tuple[str, str]] = Counter()
    party_ok = party_n = secondary_ok = secondary_n = 0
    for label in dataset.labels:
        got = output.observations.get((label.item_id, label.claim_id), [])
        gold = label.primary.stance
        pred = predict(gold, got)
        confusion[(str(gold), pred)] += 1
        if gold in SIDED and pred == gold:
            party_n += 1
            want = party_names(label.primary.party, dataset.aliases)
            party_ok += has_party(gold, want, got)
        sec = label.secondary
        if sec is not None and sec.stance in SIDED:
            secondary_n += 1
            secondary_ok += has_party(sec.stance, party_names(sec.party, dataset.aliases), got)
    statuses = []
    for cid, wanted in dataset.final_status.items():
        have = (output.claims.get(cid) or {}).get("status")
        accepted = have == wanted or have in dataset.also_accepted.get(cid, ())
        statuses.append((cid, wanted, have, bool(accepted)))
    pinned = set(dataset.final_status)
    return Report(
        confusion=confusion,
        party_ok=party_ok,
        party_n=party_n,
        secondary_ok=secondary_ok,
        secondary_n=secondary_n,
        statuses=statuses,
        reversals=[(r, reversal_found(r, output.alerts, dataset.aliases))
                   for r in dataset.reversals],
        alerts=len(output.alerts),
        alerts_on_pinned=sum(1 for a in output.alerts if a.get("claim_id") in pinned),
        gold_alerts=gold_alerts(dataset),
        unparsable=output.unparsable,
    )
