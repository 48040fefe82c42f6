"""The news agent leaves the events take_events buffered before a rebalance
(agents.detect.NewsProcessor.current).

After a rebalance the seek to the committed offsets brings those records
again, in stream order; processed from the buffer first, an item would meet
the claims of the items after it, and its ack, ahead of the offsets before
it, could let a commit pass them.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from agents.detect import NewsProcessor


def event(offset: int, generation: int) -> Any:
    return SimpleNamespace(message=SimpleNamespace(offset=offset, generation_id=generation,
                                                   acked=False))


def processor(generation: int) -> NewsProcessor:
    pipe = SimpleNamespace(processed_items=None,
                           app=SimpleNamespace(consumer_generation_id=generation))
    return NewsProcessor(pipe, detector=None)  # type: ignore[arg-type]


def test_events_of_an_earlier_generation_are_left_unprocessed_and_unacked() -> None:
    buffered = [event(o, generation=4) for o in (57, 58)]
    fetched_again = [event(o, generation=5) for o in (50, 51)]
    kept = processor(5).current(buffered + fetched_again)
    assert [e.message.offset for e in kept] == [50, 51]
    # marked acked, so take_events' ack of the batch adds nothing for them
    assert [e.message.acked for e in buffered] == [True, True]
    assert [e.message.acked for e in fetched_again] == [False, False]


def test_a_batch_of_the_current_generation_is_kept_whole() -> None:
    batch = [event(o, generation=2) for o in range(10)]
    assert processor(2).current(batch) is batch
    assert not any(e.message.acked for e in batch)
