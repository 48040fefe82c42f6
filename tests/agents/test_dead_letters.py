"""A message the worker could not dead-letter is never acked (so never committed):
the worker stops and reads it again after a restart."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from faust.types.tuples import Message

from agents.pipeline import Pipeline

from .conftest import Sent
from .test_pipeline import news, settle


@pytest.mark.parametrize("fails", ["at_send", "at_ack"])
async def test_a_batch_whose_dead_letter_fails_is_not_acked_and_the_worker_stops(
        pipe: tuple[Pipeline, Sent], monkeypatch: pytest.MonkeyPatch, fails: str) -> None:
    p, sent = pipe
    #: offsets whose message got its final ack: what lets the consumer commit them
    acked: list[int] = []
    final_ack = Message.on_final_ack

    def on_final_ack(self: Message, consumer: Any) -> bool:
        acked.append(self.offset)
        return bool(final_ack(self, consumer))

    monkeypatch.setattr(Message, "on_final_ack", on_final_ack)
    crashes: list[BaseException] = []

    async def crash(exc: BaseException) -> None:
        crashes.append(exc)

    p.app.crash = crash  # type: ignore[method-assign]
    record_dead_letter = p.send_dead_letter

    async def refused(rec: Any) -> Any:
        await record_dead_letter(rec)
        if fails == "at_send":  # aiokafka's check of the request size
            raise RuntimeError("MessageSizeTooLargeError")
        failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        failed.set_exception(RuntimeError("MessageSizeTooLargeError"))
        return failed

    async with p.detect_agent.test_context() as agent:
        ok = await agent.put(news("ok1", "Kestria: confirm"), wait=False)
        await settle(lambda: len(sent.observations) == 1 and acked == [ok.message.offset])
        p.send_dead_letter = refused  # type: ignore[method-assign]
        bad = await agent.put(b'{"id": "x", "n": ' + b"1" * 5000 + b"}", wait=False)
        await settle(lambda: bool(crashes))
        await asyncio.sleep(0.05)  # the stream unwinds: faust acked the batch here
    assert sent.dead_letters[-1].reason == "invalid_json"
    assert bad.message.offset not in acked
    assert acked == [ok.message.offset]
