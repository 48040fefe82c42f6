"""PolNeAR attribution evaluation: how well rules.statements finds cues, speakers
and contents in news articles.

PolNeAR (../shared/data/polnear) annotates attributions in brat standoff: `T`
lines are character spans (Source, Cue, Content, Attribution; a span may be
discontinuous, "start end;start end"), `E` lines tie one attribution's spans.
The data is read at run time; nothing of it is kept here.

Alignment is by cue: one of our statements matches a gold attribution when its
cue token lies inside one of the attribution's Cue spans. On matched pairs we
score the speaker (overlap with the gold Source, and the stricter same-head
match) and the content (token F1 against the gold Content).

Standard library plus spaCy only.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CharSpan = tuple[int, int]

_T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)(?:\t|$)")
_E_LINE = re.compile(r"^(E\d+)\t(.*)$")
_ANNOTATOR = re.compile(r"_[0-9a-f]{4}$")
#: tokens that never count in content overlap
_SKIP_POS = ("PUNCT", "SPACE")


@dataclass(frozen=True)
class GoldAttribution:
    """One annotated attribution, as character spans of the article text."""

    id: str
    cue: tuple[CharSpan, ...]
    source: tuple[CharSpan, ...]  # empty: an attribution without a source
    content: tuple[CharSpan, ...]


def parse_ann(text: str) -> list[GoldAttribution]:
    """Attributions of one brat standoff file (`E` lines joined to their `T` spans).

    Lines that are not well-formed T/E lines (notes, or the tail of a span text
    that held a newline) are ignored; an attribution without a Cue is dropped.
    """
    spans: dict[str, tuple[CharSpan, ...]] = {}
    events: list[tuple[str, list[tuple[str, str]]]] = []
    for line in text.splitlines():
        m = _T_LINE.match(line)
        if m:
            pieces = tuple(
                (int(a), int(b)) for a, b in (p.split() for p in m.group(3).split(";")))
            spans[m.group(1)] = pieces
            continue
        m = _E_LINE.match(line)
        if m:
            args = []
            for arg in m.group(2).split():
                role, _, ref = arg.partition(":")
                if ref:
                    args.append((role.rstrip("0123456789"), ref))
            events.append((m.group(1), args))
    out: list[GoldAttribution] = []
    for eid, args in events:
        parts: dict[str, list[CharSpan]] = {"Cue": [], "Source": [], "Content": []}
        for role, ref in args:
            if role in parts and ref in spans:
                parts[role].extend(spans[ref])
        if not parts["Cue"]:
            continue
        out.append(GoldAttribution(eid, tuple(sorted(parts["Cue"])),
                                   tuple(sorted(parts["Source"])),
                                   tuple(sorted(parts["Content"]))))
    return out


@dataclass(frozen=True)
class Article:
    name: str
    text: str
    gold: tuple[GoldAttribution, ...]


def read_split(folder: str | Path, limit: int | None = None) -> list[Article]:
    """Articles of a split folder (text/*.txt and attributions/*.ann, sorted by name).

    Annotation files are named `<article>_<annotator>.ann`; an article annotated
    twice is scored against the first annotator's file only.
    """
    folder = Path(folder)
    text_dir, ann_dir = folder / "text", folder / "attributions"
    if not text_dir.is_dir() or not ann_dir.is_dir():
        raise FileNotFoundError(f"{folder}: needs text/ and attributions/")
    anns: dict[str, Path] = {}
    for p in sorted(ann_dir.glob("*.ann")):
        anns.setdefault(_ANNOTATOR.sub("", p.stem), p)
    out: list[Article] = []
    for name in sorted(anns):
        txt = text_dir / f"{name}.txt"
        if not txt.is_file():
            continue
        with open(txt, encoding="utf-8", newline="") as f:
            text = f.read()
        gold = parse_ann(anns[name].read_text(encoding="utf-8"))
        out.append(Article(name, text, tuple(gold)))
        if limit is not None and len(out) >= limit:
            break
    return out


# --------------------------------------------------------------------------
# token-level view: gold and ours as sets of doc token indices


@dataclass(frozen=True)
class GoldTok:
    cue: frozenset[int]
    source: frozenset[int]  # empty: no source
    source_heads: frozenset[int]  # syntactic head of each Source piece
    content: frozenset[int]
    cue_lemma: str = ""


@dataclass(frozen=True)
class OursTok:
    cue_token: int
    speaker: frozenset[int]  # empty: no speaker
    speaker_head: int | None
    kind: str
    content: frozenset[int]
    cue: str = ""


def _tokens(doc: Any, spans: Iterable[CharSpan]) -> list[Any]:
    out: list[Any] = []
    for s, e in spans:
        sp = doc.char_span(s, e, alignment_mode="expand")
        if sp is not None and len(sp):
            out.append(sp)
    return out


def _words(toks: Iterable[Any]) -> frozenset[int]:
    return frozenset(t.i for t in toks if t.pos_ not in _SKIP_POS and not t.is_space)


def _cue_lemma(spans: list[Any]) -> str:
    toks = [t for sp in spans for t in sp]
    words = [t.lemma_.lower() for t in toks if t.pos_ not in ("AUX", "PUNCT", "SPACE", "DET")]
    return " ".join(words) or " ".join(t.lower_ for t in toks).strip()


def gold_tokens(doc: Any, g: GoldAttribution) -> GoldTok:
    cue = _tokens(doc, g.cue)
    src = _tokens(doc, g.source)
    con = _tokens(doc, g.content)
    return GoldTok(
        cue=frozenset(t.i for sp in cue for t in sp),
        source=frozenset(t.i for sp in src for t in sp),
        source_heads=frozenset(sp.root.i for sp in src),
        content=_words(t for sp in con for t in sp),
        cue_lemma=_cue_lemma(cue),
    )


def ours_tokens(doc: Any, st: Any) -> OursTok:
    """A rules.Statement as token sets."""
    if st.speaker is not None and st.speaker[1] > st.speaker[0]:
        sp = doc[st.speaker[0]:st.speaker[1]]
        speaker, head = frozenset(range(*st.speaker)), sp.root.i
    else:
        speaker, head = frozenset(), None
    return OursTok(st.cue_token, speaker, head, st.speaker_kind,
                   _words(doc[i] for i in st.content_tokens), st.cue)


# --------------------------------------------------------------------------
# scoring


def token_f1(ours: frozenset[int] | set[int],
             gold: frozenset[int] | set[int]) -> tuple[float, float, float]:
    """(precision, recall, F1) of two token sets; two empty sets agree fully."""
    if not ours and not gold:
        return 1.0, 1.0, 1.0
    both = len(set(ours) & set(gold))
    p = both / len(ours) if ours else 0.0
    r = both / len(gold) if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _kind_row() -> dict[str, float]:
    return {"statements": 0, "cue_correct": 0, "with_gold_source": 0, "source_overlap": 0,
            "source_head": 0}


@dataclass
class Tally:
    articles: int = 0
    gold: int = 0
    gold_found: int = 0
    ours: int = 0
    ours_correct: int = 0
    pairs: int = 0
    with_source: int = 0
    source_overlap: int = 0
    source_head: int = 0
    source_none: int = 0  # gold has a Source, we gave none
    no_source: int = 0
    no_source_agree: int = 0  # gold has no Source, we gave none (or the publisher)
    content_p: float = 0.0
    content_r: float = 0.0
    content_f1: float = 0.0
    missed: Counter[str] = field(default_factory=Counter)
    found_lemmas: Counter[str] = field(default_factory=Counter)
    kinds: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0


def score_article(gold: Sequence[GoldTok], ours: Sequence[OursTok], tally: Tally) -> None:
    """Align one article's statements to its gold attributions by cue and count."""
    tally.articles += 1
    gold_cues: set[int] = set().union(*(g.cue for g in gold)) if gold else set()
    for o in ours:
        row = tally.kinds.setdefault(o.kind, _kind_row())
        row["statements"] += 1
        tally.ours += 1
        if o.cue_token in gold_cues:
            row["cue_correct"] += 1
            tally.ours_correct += 1
    for g in gold:
        tally.gold += 1
        cands = sorted((o for o in ours if o.cue_token in g.cue), key=lambda o: o.cue_token)
        if not cands:
            tally.missed[g.cue_lemma] += 1
            continue
        o = cands[0]
        tally.gold_found += 1
        tally.found_lemmas[g.cue_lemma] += 1
        tally.pairs += 1
        row = tally.kinds.setdefault(o.kind, _kind_row())
        if g.source:
            tally.with_source += 1
            row["with_gold_source"] += 1
            if not o.speaker or o.kind == "publisher":
                tally.source_none += 1
            elif o.speaker & g.source:
                tally.source_overlap += 1
                row["source_overlap"] += 1
                if o.speaker_head in g.source_heads:
                    tally.source_head += 1
                    row["source_head"] += 1
        else:
            tally.no_source += 1
            if not o.speaker or o.kind == "publisher":
                tally.no_source_agree += 1
        p, r, f = token_f1(o.content, g.content)
        tally.content_p += p
        tally.content_r += r
        tally.content_f1 += f


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def report(t: Tally, top: int = 15) -> dict[str, Any]:
    recall = _ratio(t.gold_found, t.gold)
    precision = _ratio(t.ours_correct, t.ours)
    f1 = (round(2 * recall * precision / (recall + precision), 4)
          if recall and precision else 0.0)
    kinds = {}
    for k, row in sorted(t.kinds.items()):
        kinds[k] = {
            "statements": int(row["statements"]),
            "cue_precision": _ratio(row["cue_correct"], row["statements"]),
            "pairs_with_gold_source": int(row["with_gold_source"]),
            "source_accuracy": _ratio(row["source_overlap"], row["with_gold_source"]),
            "source_head_accuracy": _ratio(row["source_head"], row["with_gold_source"]),
        }
    return {
        "articles": t.articles,
        "gold_attributions": t.gold,
        "statements": t.ours,
        "cue_recall": recall,
        "cue_precision": precision,
        "cue_f1": f1,
        "pairs": t.pairs,
        "source": {
            "pairs_with_gold_source": t.with_source,
            "accuracy": _ratio(t.source_overlap, t.with_source),
            "head_accuracy": _ratio(t.source_head, t.with_source),
            "we_gave_none": t.source_none,
        },
        "no_source": {"pairs": t.no_source, "we_gave_none": t.no_source_agree,
                      "agreement": _ratio(t.no_source_agree, t.no_source)},
        "content": {"precision": _ratio(t.content_p, t.pairs),
                    "recall": _ratio(t.content_r, t.pairs),
                    "f1": _ratio(t.content_f1, t.pairs)},
        "by_speaker_kind": kinds,
        "missed_cues": [[lem, n] for lem, n in t.missed.most_common(top)],
        "seconds": round(t.seconds, 2),
        "articles_per_s": _ratio(t.articles, t.seconds),
    }


# --------------------------------------------------------------------------
# running the pipeline


def evaluate(folder: str | Path, limit: int | None = None, model: str | None = None,
             nlp: Any = None) -> dict[str, Any]:
    """Run rules.statements over a split's articles and score them (see module doc)."""
    from detector import load_nlp, rules
    from detector.components import add_components
    from detector.lexicon import load_lexicon

    articles = read_split(folder, limit=limit)
    if nlp is None:
        nlp = load_nlp(model)
    add_components(nlp)
    lex = load_lexicon()
    tally = Tally()
    t0 = time.perf_counter()
    docs = nlp.pipe((a.text for a in articles), batch_size=8)
    for art, doc in zip(articles, docs, strict=True):
        ours = [ours_tokens(doc, st) for sent in doc.sents for st in rules.statements(sent, lex)]
        gold = [gold_tokens(doc, g) for g in art.gold]
        score_article(gold, ours, tally)
    tally.seconds = time.perf_counter() - t0
    return report(tally)
