"""Deliver: turn a claim transition into an alert CloudEvent on Kafka.

CloudEvents 1.0, Kafka protocol binding, binary content mode: the attributes
travel as `ce_` headers, the data (AlertData JSON) is the value, the key is
the claim id. The event id is the transition's deterministic alert id, so a
redelivered alert carries the same id and consumers can drop it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from detector import Transition
from schemas.records import AlertClaim, AlertData, AlertEvidence, AlertReversal

SPECVERSION = "1.0"
TYPE_PREFIX = "io.claimwatch.claim."
TYPE_SUFFIX = ".v1"


def event_type(alert_type: str) -> str:
    return f"{TYPE_PREFIX}{alert_type}{TYPE_SUFFIX}"


def alert_type_of(ce_type: str) -> str:
    """`io.claimwatch.claim.confirmed.v1` -> `confirmed`."""
    if ce_type.startswith(TYPE_PREFIX) and ce_type.endswith(TYPE_SUFFIX):
        return ce_type[len(TYPE_PREFIX):-len(TYPE_SUFFIX)]
    return ce_type


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def alert_data(t: Transition) -> AlertData:
    d = t.to_dict()
    ev = d["evidence"]
    rev = d.get("reversal")
    return AlertData(
        claim=AlertClaim(id=t.claim_id, text=t.claim_text, topic=t.topic_id),
        previous_status=t.previous_status,
        new_status=t.new_status,
        party_stances=dict(d["party_stances"]),
        evidence=AlertEvidence(
            quote=ev["quote"], item_id=ev["item_id"], start=int(ev["start"]),
            end=int(ev["end"]), url=ev.get("url"), speaker=ev.get("speaker"),
            party=ev.get("party"),
        ),
        reversal=AlertReversal(party=rev["party"], from_=rev["from"], to=rev["to"])
        if rev else None,
    )


def cloudevent(t: Transition, *, app_id: str, decided_at: float) -> tuple[
        list[tuple[str, bytes]], bytes]:
    """(headers, value) of the binary-mode CloudEvent for one transition."""
    attrs = {
        "ce_specversion": SPECVERSION,
        "ce_id": t.alert_id,
        "ce_source": f"/claimwatch/{app_id}",
        "ce_type": event_type(t.type),
        "ce_subject": t.claim_id,
        "ce_time": rfc3339(decided_at),
        "content-type": "application/json",
    }
    headers = [(k, v.encode("utf-8")) for k, v in attrs.items()]
    return headers, alert_data(t).dumps()


def parse_cloudevent(headers: Any, value: bytes) -> dict[str, Any]:
    """A binary-mode CloudEvent from Kafka back into one structured dict
    (attributes without the ce_ prefix, plus `data`)."""
    out: dict[str, Any] = {}
    for k, v in headers or ():
        key = k.decode() if isinstance(k, bytes) else k
        val = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
        if key.startswith("ce_"):
            out[key[3:]] = val
        elif key == "content-type":
            out["datacontenttype"] = val
    out["data"] = json.loads(value) if value else None
    return out
