"""FNC-1 (Fake News Challenge stage 1) reading, scoring and evaluation.

Standard library only.  Headline = a pinned claim, body = a news item;
agree ↔ confirm, disagree ↔ deny, discuss ↔ report, unrelated ↔ no observation.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FNC_LABELS: tuple[str, ...] = ("agree", "disagree", "discuss", "unrelated")
RELATED: frozenset[str] = frozenset(("agree", "disagree", "discuss"))
TO_FNC: dict[str, str] = {
    "confirm": "agree",
    "deny": "disagree",
    "report": "discuss",
    "unrelated": "unrelated",
}
FROM_FNC: dict[str, str] = {v: k for k, v in TO_FNC.items()}


@dataclass(frozen=True)
class Pair:
    headline: str
    body_id: str
    stance: str | None  # None when the file has no Stance column


def to_fnc(label: str) -> str:
    """Map a model label (confirm/deny/report/unrelated) or an FNC label to FNC."""
    if label in FNC_LABELS:
        return label
    try:
        return TO_FNC[label]
    except KeyError:
        raise ValueError(f"unknown stance label {label!r}") from None


def read_bodies(path: str | Path) -> dict[str, str]:
    with open(path, encoding="utf-8", newline="") as f:
        return {row["Body ID"].strip(): row["articleBody"] for row in csv.DictReader(f)}


def read_stances(path: str | Path, limit: int | None = None) -> list[Pair]:
    out: list[Pair] = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            stance = row.get("Stance")
            out.append(Pair(row["Headline"], row["Body ID"].strip(),
                            stance.strip() if stance else None))
            if limit is not None and len(out) >= limit:
                break
    return out


def _f1(tp: int, fp: int, fn: int) -> float:
    d = 2 * tp + fp + fn
    return 2 * tp / d if d else 0.0


def score(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """FNC-1 score of predictions against gold labels (model or FNC labels).

    0.25 per pair whose related/unrelated call is right, plus 0.75 for a related
    pair whose label is exactly right.  The confusion matrix has gold rows and
    predicted columns in the order agree, disagree, discuss, unrelated.
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    idx = {lab: i for i, lab in enumerate(FNC_LABELS)}
    cm = [[0] * 4 for _ in range(4)]
    got = best = 0.0
    for g_raw, p_raw in zip(gold, pred, strict=True):
        g, p = to_fnc(g_raw), to_fnc(p_raw)
        cm[idx[g]][idx[p]] += 1
        if g == p:
            got += 0.25
            if g in RELATED:
                got += 0.75
        elif g in RELATED and p in RELATED:
            got += 0.25
        best += 1.0 if g in RELATED else 0.25
    f1 = {}
    for i, lab in enumerate(FNC_LABELS):
        tp = cm[i][i]
        fp = sum(cm[j][i] for j in range(4)) - tp
        fn = sum(cm[i]) - tp
        f1[lab] = _f1(tp, fp, fn)
    n = len(gold)
    return {
        "n": n,
        "fnc_score": got,
        "max_score": best,
        "relative_score": got / best if best else 0.0,
        "accuracy": sum(cm[i][i] for i in range(4)) / n if n else 0.0,
        "f1": f1,
        "macro_f1": sum(f1.values()) / 4,
        "labels": list(FNC_LABELS),
        "confusion": cm,
    }


def format_confusion(cm: Sequence[Sequence[int]]) -> str:
    head = "gold\\pred  " + " ".join(f"{lab:>9}" for lab in FNC_LABELS)
    rows = [f"{lab:<10} " + " ".join(f"{v:>9d}" for v in row)
            for lab, row in zip(FNC_LABELS, cm, strict=True)]
    return "\n".join([head, *rows])


def evaluate(stances_csv: str | Path, bodies_csv: str | Path, model: Any = None,
             limit: int | None = None) -> dict[str, Any]:
    """Run ``model`` (default: the shipped StanceModel) over an FNC-1 split.

    Returns :func:`score`'s dict when the file has gold stances (else only the
    predictions), plus ``predictions`` (FNC labels), ``pairs`` and
    ``items_per_s`` (pairs per second, body preparation included).
    """
    if model is None:
        from detector.stancemodel import StanceModel

        model = StanceModel.load()
    bodies = read_bodies(bodies_csv)
    pairs = read_stances(stances_csv, limit=limit)
    t0 = time.perf_counter()
    results = model.predict_many((p.headline, bodies[p.body_id]) for p in pairs)
    dt = time.perf_counter() - t0
    preds = [to_fnc(lab) for lab, _ in results]
    out: dict[str, Any] = {}
    if pairs and all(p.stance is not None for p in pairs):
        out.update(score([p.stance or "" for p in pairs], preds))
    out["pairs"] = len(pairs)
    out["predictions"] = preds
    out["seconds"] = dt
    out["items_per_s"] = len(pairs) / dt if dt > 0 else float("inf")
    return out


def write_predictions(path: str | Path, pairs: Iterable[Pair], preds: Iterable[str]) -> None:
    """Write a submission-style CSV: Headline, Body ID, Stance."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Headline", "Body ID", "Stance"])
        for p, lab in zip(pairs, preds, strict=True):
            w.writerow([p.headline, p.body_id, to_fnc(lab)])
