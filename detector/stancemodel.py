"""Learned stance of a news body toward a pinned claim (FNC-1 style).

Pure standard library at run time: a regex tokenizer, hand-made lexical
features, a body text model (tf-idf and a logistic regression, stacked), and
gradient-boosted trees, all fitted with scikit-learn by
``scripts/train_stance.py`` and exported to gzip JSON that this module
evaluates.  Labels: "unrelated", "confirm", "deny", "report".  The word lists
are package data (``data/stance_cues.json``).

Both models learn a body's polarity toward the story it is about (confirms,
refutes, reports); the stance toward a claim reads it the other way round for
a polar claim, one that itself refutes or negates ("X is a hoax"): a body that
debunks the story confirms such a claim (:func:`toward`).

The body side of the features is cached: :meth:`StanceModel.prepare` turns a
text into a :class:`Body` once, and that object can be scored against many
claims cheaply (the detector checks one item against every tracked claim).
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

LABELS: tuple[str, ...] = ("unrelated", "confirm", "deny", "report")
MODEL_RESOURCE = "stance_model.json.gz"
FORMAT_VERSION = 4
# classes of the body-level text model, in the order of its probabilities (the
# body's polarity toward its story, like the trees' classes: see toward)
BODY_LR_CLASSES: tuple[str, ...] = ("confirm", "deny", "report")

# ---------------------------------------------------------------------------
# Text handling

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_SENT_RE = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)]))\s+(?=[\"'“‘(]*[A-Z0-9])|\n+")
_NUM_RE = re.compile(r"\d+")

CUES_RESOURCE = "stance_cues.json"


def _load_cues() -> dict[str, list[str]]:
    """The word lists (package data, our own choice of words)."""
    raw = resources.files("detector").joinpath("data", CUES_RESOURCE).read_text("utf-8")
    return {k: v for k, v in json.loads(raw).items() if not k.startswith("_")}


_CUES = _load_cues()
# function words only
STOP: frozenset[str] = frozenset(_CUES["stop"])
# cue lists: the forms are matched as tokens
REFUTE: frozenset[str] = frozenset(_CUES["refute"])
REFUTE_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split()) for p in _CUES["refute_phrases"])
HEDGE: frozenset[str] = frozenset(_CUES["hedge"])
CONFIRM: frozenset[str] = frozenset(_CUES["confirm"])
NEGATION: frozenset[str] = frozenset(_CUES["negation"])
DENY_VERBS: frozenset[str] = frozenset(_CUES["deny_verbs"])
CONFIRM_VERBS: frozenset[str] = frozenset(_CUES["confirm_verbs"])
REPORT_VERBS: frozenset[str] = frozenset(_CUES["report_verbs"])
_ALL_CUES = REFUTE | HEDGE | CONFIRM | NEGATION | DENY_VERBS | CONFIRM_VERBS | REPORT_VERBS


def tokenize(text: str) -> list[str]:
    return _TOKEN_RE.findall(text.lower().replace("’", "'"))


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT_RE.split(text) if s and s.strip()]


@lru_cache(maxsize=65536)
def stem(w: str) -> str:
    """A crude suffix stripper (enough to match 'denies'/'denied'/'deny')."""
    if len(w) <= 3 or w.isdigit():
        return w
    for suf, rep in (("ies", "y"), ("ied", "y"), ("ing", ""), ("edly", ""),
                     ("ed", ""), ("ly", ""), ("es", ""), ("s", "")):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: len(w) - len(suf)] + rep
            break
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    return w


def text_terms(text: str) -> list[str]:
    """The body text model's terms: stems of every token (function words too,
    'not' matters) and of adjacent pairs."""
    st = [stem(t) for t in tokenize(text)]
    return st + [f"{a} {b}" for a, b in pairwise(st)]


def _phrase_count(toks: Sequence[str], phrases: Sequence[tuple[str, ...]]) -> int:
    n = 0
    if not toks:
        return 0
    first = {p[0] for p in phrases}
    for i, t in enumerate(toks):
        if t in first:
            for p in phrases:
                if p[0] == t and tuple(toks[i : i + len(p)]) == p:
                    n += 1
    return n


def _cue_counts(toks: Sequence[str]) -> tuple[int, int, int, int, int, int, int]:
    ref = hed = con = neg = dv = cv = rv = 0
    for t in toks:
        if t in _ALL_CUES:
            ref += t in REFUTE
            hed += t in HEDGE
            con += t in CONFIRM
            neg += t in NEGATION or t.endswith("n't")
            dv += t in DENY_VERBS
            cv += t in CONFIRM_VERBS
            rv += t in REPORT_VERBS
        elif t.endswith("n't"):
            neg += 1
    ref += _phrase_count(toks, REFUTE_PHRASES)
    return ref, hed, con, neg, dv, cv, rv


def _content(toks: Iterable[str]) -> list[str]:
    return [t for t in toks if t not in STOP and len(t) > 1]


def _char_grams(text: str, n: int = 4) -> set[str]:
    s = " ".join(tokenize(text))
    return {s[i : i + n] for i in range(max(0, len(s) - n + 1))}


def _norm_vec(counts: Mapping[str, int], idf: Mapping[str, float], unk: float) -> dict[str, float]:
    v = {t: (1.0 + math.log(c)) * idf.get(t, unk) for t, c in counts.items()}
    n = math.sqrt(sum(x * x for x in v.values())) or 1.0
    return {t: x / n for t, x in v.items()}


def _dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(t, 0.0) for t, x in a.items())


# ---------------------------------------------------------------------------
# Prepared texts


@dataclass
class _Sent:
    stems: frozenset[str]
    vec: dict[str, float]
    cues: tuple[int, int, int, int, int, int, int]
    n_tok: int
    question: bool
    quote: bool


@dataclass
class Body:
    """The reusable, claim-independent part of a news body's features."""

    stems: Counter[str]
    stem_set: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    chars: frozenset[str]
    vec: dict[str, float]
    lead_vec: dict[str, float]
    lead_stems: frozenset[str]
    sents: list[_Sent]
    numbers: frozenset[str]
    caps: frozenset[str]
    cues: tuple[int, int, int, int, int, int, int]
    n_tok: int
    n_quotes: int
    n_questions: int
    # the body text model's probabilities (BODY_LR_CLASSES), when the model has one
    lr: tuple[float, ...] = ()
    # per-claim memo is not stored here (claims are cached separately)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Claim:
    toks: list[str]
    stems: list[str]
    stem_set: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    chars: frozenset[str]
    vec: dict[str, float]
    idf_w: dict[str, float]
    numbers: frozenset[str]
    caps: frozenset[str]
    cues: tuple[int, int, int, int, int, int, int]
    question: bool
    quote: bool
    # the claim itself refutes or negates (a refutation cue, a negation or a denial
    # verb): "X is a hoax", "X did not happen"
    polar: bool


_CAPS_RE = re.compile(r"\b[A-Z][a-zA-Z]+")


def _caps(text: str) -> frozenset[str]:
    return frozenset(stem(w.lower()) for w in _CAPS_RE.findall(text)) - STOP


BASE_FEATURE_NAMES: tuple[str, ...] = (
    # relatedness
    "cos_body", "cos_lead", "cos_sent_max", "cos_sent_top3", "cos_sent_2nd",
    "frac_claim_in_body", "idf_frac_claim_in_body", "frac_claim_in_lead",
    "idf_frac_claim_in_lead", "bigram_frac", "char_frac", "num_overlap", "num_claim",
    "caps_frac", "best_sent_pos", "n_sent_overlap50", "frac_sent_overlap50",
    "claim_len", "body_len_log", "best_sent_frac",
    # body-wide stance cues (per 100 tokens)
    "b_ref", "b_hed", "b_con", "b_neg", "b_dv", "b_cv", "b_rv", "b_quote", "b_q",
    # cues in the top-3 sentences by overlap with the claim (counts)
    "t_ref", "t_hed", "t_con", "t_neg", "t_dv", "t_cv", "t_rv", "t_q", "t_quote",
    # cues in the single best sentence
    "s_ref", "s_hed", "s_con", "s_neg", "s_dv",
    # cues in the lead (first two sentences)
    "l_ref", "l_hed", "l_con", "l_neg", "l_q",
    # weighted by overlap over all sentences
    "w_ref", "w_hed", "w_con", "w_neg",
    # the claim itself
    "c_ref", "c_hed", "c_con", "c_neg", "c_q", "c_quote", "c_dv",
    # interactions
    "ref_x_cos", "hed_x_cos", "neg_agree",
    # cues in the sentences that share at least 30% of the claim's words
    "r_ref", "r_hed", "r_con", "r_neg", "r_dv", "r_frac_ref", "first_ref_pos",
    "cneg_x_tref", "cref_x_bref",
)
# Claim.polar (the claim refutes or negates) is no feature: the trees read a body
# toward its story whatever the claim's polarity, and `toward` alone turns that
# toward the claim; as a feature it let the trees learn FNC-1's prior that a body
# on a "hoax" headline debunks, so a body that supports the story was read as
# confirming "X is a hoax" (it was the last feature of format 3)
# the stacked body-level text model: its probability of each related class
FEATURE_NAMES: tuple[str, ...] = BASE_FEATURE_NAMES + tuple(f"lr_{k}" for k in BODY_LR_CLASSES)
N_FEATURES = len(FEATURE_NAMES)


def toward(scores: Sequence[float], classes: Sequence[str], polar: bool) -> list[float]:
    """Scores over ``classes`` of a body's polarity toward its story, read toward
    a claim: a body that refutes the story confirms a claim that calls it false
    ("X is a hoax"), so confirm and deny swap for a polar claim."""
    q = list(scores)
    if polar:
        i, j = classes.index("confirm"), classes.index("deny")
        q[i], q[j] = q[j], q[i]
    return q


# ---------------------------------------------------------------------------
# Trees


def _tree_value(tree: Sequence[Sequence[Any]], x: Sequence[float]) -> float:
    feat, thr, left, right, value = tree
    i = 0
    while True:
        f = feat[i]
        if f < 0:
            return float(value[i])
        i = left[i] if x[f] <= thr[i] else right[i]


class StanceModel:
    """Pure-Python inference of the claim stance model."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        if spec.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported stance model format {spec.get('format')!r}")
        self.spec = spec
        self.idf: dict[str, float] = dict(spec["idf"])
        self.unk_idf: float = float(spec["unk_idf"])
        self.classes: list[str] = list(spec["classes"])
        self.baseline: list[float] = [float(b) for b in spec["baseline"]]
        # trees[k] = list of trees of class k
        self.trees: list[list[Any]] = spec["trees"]
        bias = spec.get("log_bias", [0.0] * len(self.classes))
        self.log_bias: list[float] = [float(b) for b in bias]
        self._claims: dict[str, Claim] = {}
        # body text model: term -> (idf, weight per class), and intercepts
        lr = spec.get("body_lr")
        self.lr_terms: dict[str, list[float]] = dict(lr["terms"]) if lr else {}
        self.lr_intercept: list[float] = [float(v) for v in lr["intercept"]] if lr else []

    # -- loading -----------------------------------------------------------------
    @classmethod
    def from_bytes(cls, data: bytes) -> StanceModel:
        return cls(json.loads(gzip.decompress(data).decode("utf-8")))

    @classmethod
    def load(cls, path: str | Path | None = None) -> StanceModel:
        if path is None:
            data = resources.files("detector").joinpath("data", MODEL_RESOURCE).read_bytes()
        else:
            data = Path(path).read_bytes()
        return cls.from_bytes(data)

    @classmethod
    def feature_only(cls, idf: Mapping[str, float], unk_idf: float) -> StanceModel:
        """A model without trees: only :meth:`features` works (for training)."""
        return cls({"format": FORMAT_VERSION, "idf": dict(idf), "unk_idf": unk_idf,
                    "classes": list(LABELS), "baseline": [0.0] * 4, "trees": [[]] * 4})

    def body_lr(self, text: str) -> tuple[float, ...]:
        """The body text model: sublinear tf-idf, l2-normed, then a softmax over
        linear scores (scikit-learn's TfidfVectorizer and LogisticRegression,
        exported by the training script)."""
        if not self.lr_intercept:
            return ()
        counts = Counter(t for t in text_terms(text) if t in self.lr_terms)
        w = {t: (1.0 + math.log(c)) * self.lr_terms[t][0] for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in w.values())) or 1.0
        raw = list(self.lr_intercept)
        for t in sorted(w):
            row = self.lr_terms[t]
            x = w[t] / norm
            for k in range(len(raw)):
                raw[k] += x * row[k + 1]
        m = max(raw)
        ex = [math.exp(r - m) for r in raw]
        z = sum(ex)
        return tuple(e / z for e in ex)

    # -- preparing texts -----------------------------------------------------------
    def prepare(self, text: str) -> Body:
        toks = tokenize(text)
        stems = [stem(t) for t in _content(toks)]
        cnt = Counter(stems)
        sents_raw = split_sentences(text) or [text]
        sents: list[_Sent] = []
        for s in sents_raw:
            st = tokenize(s)
            ss = [stem(t) for t in _content(st)]
            sents.append(_Sent(frozenset(ss), _norm_vec(Counter(ss), self.idf, self.unk_idf),
                               _cue_counts(st), len(st), "?" in s,
                               any(q in s for q in "\"“”")))
        lead_txt = " ".join(sents_raw[:2])
        lead_stems = [stem(t) for t in _content(tokenize(lead_txt))]
        return Body(
            stems=cnt,
            stem_set=frozenset(cnt),
            bigrams=frozenset(pairwise(stems)),
            chars=frozenset(_char_grams(text)),
            vec=_norm_vec(cnt, self.idf, self.unk_idf),
            lead_vec=_norm_vec(Counter(lead_stems), self.idf, self.unk_idf),
            lead_stems=frozenset(lead_stems),
            sents=sents,
            numbers=frozenset(_NUM_RE.findall(text)),
            caps=_caps(text),
            cues=_cue_counts(toks),
            n_tok=len(toks),
            n_quotes=sum(text.count(q) for q in "\"“”") // 2,
            n_questions=text.count("?"),
            lr=self.body_lr(text),
        )

    def claim(self, text: str) -> Claim:
        c = self._claims.get(text)
        if c is not None:
            return c
        toks = tokenize(text)
        stems = [stem(t) for t in _content(toks)]
        cnt = Counter(stems)
        cues = _cue_counts(toks)
        c = Claim(
            toks=toks,
            stems=stems,
            stem_set=frozenset(cnt),
            bigrams=frozenset(pairwise(stems)),
            chars=frozenset(_char_grams(text)),
            vec=_norm_vec(cnt, self.idf, self.unk_idf),
            idf_w={t: self.idf.get(t, self.unk_idf) for t in cnt},
            numbers=frozenset(_NUM_RE.findall(text)),
            caps=_caps(text),
            cues=cues,
            question="?" in text,
            quote=any(q in text for q in "\"“”'‘"),
            polar=(cues[0] + cues[3] + cues[4]) > 0,
        )
        if len(self._claims) > 4096:
            self._claims.clear()
        self._claims[text] = c
        return c

    # -- features -------------------------------------------------------------------
    def features(self, claim: str | Claim, body: str | Body) -> list[float]:
        """All of FEATURE_NAMES (the model must have its body text model)."""
        b = self.prepare(body) if isinstance(body, str) else body
        if len(b.lr) != len(BODY_LR_CLASSES):
            raise ValueError("this stance model has no body text model")
        return [*self.base_features(claim, b), *b.lr]

    def base_features(self, claim: str | Claim, body: str | Body) -> list[float]:
        """BASE_FEATURE_NAMES: the hand-made features of a (claim, body) pair."""
        c = self.claim(claim) if isinstance(claim, str) else claim
        b = self.prepare(body) if isinstance(body, str) else body
        n_c = len(c.stem_set) or 1
        idf_tot = sum(c.idf_w.values()) or 1.0
        in_body = c.stem_set & b.stem_set
        in_lead = c.stem_set & b.lead_stems
        sims = [_dot(c.vec, s.vec) for s in b.sents]
        ov = [len(c.stem_set & s.stems) / n_c for s in b.sents]
        order = sorted(range(len(sims)), key=lambda i: (-sims[i], i))
        top = order[:3]
        best = order[0] if order else 0
        ns = len(b.sents) or 1
        sorted_sims = [sims[i] for i in order]
        per100 = 100.0 / max(b.n_tok, 1)

        def agg(idx: Iterable[int], k: int) -> int:
            return sum(b.sents[i].cues[k] for i in idx)

        lead = range(min(2, len(b.sents)))
        wsum = sum(ov) or 1.0
        wcue = [sum(ov[i] * b.sents[i].cues[k] for i in range(len(b.sents))) / wsum
                for k in range(4)]
        cos_body = _dot(c.vec, b.vec)
        bref = b.cues[0] * per100
        bhed = b.cues[1] * per100
        x = [
            cos_body,
            _dot(c.vec, b.lead_vec),
            sorted_sims[0] if sorted_sims else 0.0,
            sum(sorted_sims[:3]) / 3.0,
            sorted_sims[1] if len(sorted_sims) > 1 else 0.0,
            len(in_body) / n_c,
            sum(c.idf_w[t] for t in sorted(in_body)) / idf_tot,
            len(in_lead) / n_c,
            sum(c.idf_w[t] for t in sorted(in_lead)) / idf_tot,
            len(c.bigrams & b.bigrams) / (len(c.bigrams) or 1),
            len(c.chars & b.chars) / (len(c.chars) or 1),
            float(len(c.numbers & b.numbers)),
            float(len(c.numbers)),
            len(c.caps & b.stem_set) / (len(c.caps) or 1) if c.caps else -1.0,
            best / ns,
            float(sum(1 for o in ov if o >= 0.5)),
            sum(1 for o in ov if o >= 0.5) / ns,
            float(len(c.stems)),
            math.log1p(b.n_tok),
            max(ov) if ov else 0.0,
            # body-wide
            bref, bhed, b.cues[2] * per100, b.cues[3] * per100, b.cues[4] * per100,
            b.cues[5] * per100, b.cues[6] * per100, b.n_quotes * per100,
            b.n_questions * per100,
            # top-3
            float(agg(top, 0)), float(agg(top, 1)), float(agg(top, 2)), float(agg(top, 3)),
            float(agg(top, 4)), float(agg(top, 5)), float(agg(top, 6)),
            float(sum(b.sents[i].question for i in top)),
            float(sum(b.sents[i].quote for i in top)),
            # best sentence
            float(agg([best], 0)), float(agg([best], 1)), float(agg([best], 2)),
            float(agg([best], 3)), float(agg([best], 4)),
            # lead
            float(agg(lead, 0)), float(agg(lead, 1)), float(agg(lead, 2)), float(agg(lead, 3)),
            float(sum(b.sents[i].question for i in lead)),
            # overlap-weighted
            wcue[0], wcue[1], wcue[2], wcue[3],
            # claim
            float(c.cues[0]), float(c.cues[1]), float(c.cues[2]), float(c.cues[3]),
            float(c.question), float(c.quote), float(c.cues[4]),
            # interactions
            bref * cos_body, bhed * cos_body,
            float((c.cues[3] > 0) == (agg(top, 3) > 0)),
        ]
        rel = [i for i, o in enumerate(ov) if o >= 0.3]
        nr = len(rel) or 1
        x.extend(agg(rel, k) / nr for k in range(5))
        x.append(sum(1 for i in rel if b.sents[i].cues[0]) / nr)
        first_ref = next((i for i, s in enumerate(b.sents) if s.cues[0]), None)
        x.append(first_ref / ns if first_ref is not None else 1.5)
        x.append(float(c.cues[3] > 0) * agg(top, 0))
        x.append(float(c.cues[0] > 0) * bref)
        return x

    # -- prediction --------------------------------------------------------------
    def proba_from_features(self, x: Sequence[float], polar: bool = False) -> dict[str, float]:
        """Class probabilities toward a claim (``polar``: Claim.polar) from its
        features; the decision biases apply toward the claim."""
        raw = []
        for k in range(len(self.classes)):
            s = self.baseline[k]
            for t in self.trees[k]:
                s += _tree_value(t, x)
            raw.append(s)
        raw = [r + b for r, b in zip(toward(raw, self.classes, polar), self.log_bias, strict=True)]
        m = max(raw)
        ex = [math.exp(r - m) for r in raw]
        z = sum(ex)
        return {cl: e / z for cl, e in zip(self.classes, ex, strict=True)}

    def predict(self, claim: str, text: str | Body) -> tuple[str, dict[str, float]]:
        c = self.claim(claim)
        p = self.proba_from_features(self.features(c, text), c.polar)
        label = max(self.classes, key=lambda k: (p[k], -self.classes.index(k)))
        return label, p

    def predict_many(
        self, pairs: Iterable[tuple[str, str | Body]]
    ) -> list[tuple[str, dict[str, float]]]:
        """Predict many (claim, body) pairs, preparing each distinct body once."""
        bodies: dict[str, Body] = {}
        out = []
        for claim, text in pairs:
            if isinstance(text, str):
                b = bodies.get(text)
                if b is None:
                    b = bodies[text] = self.prepare(text)
            else:
                b = text
            out.append(self.predict(claim, b))
        return out
