"""The Faust application: one worker's pipeline with its agents, tasks and views.

`create_pipeline(settings)` builds one self-contained worker (a fresh
faust.App with its agents) so tests and the command line can build as many as
they need; `agents.app:app` is the one built from the environment, for
`faust -A agents.app:app ...`.

This module is the wiring: agents.pipeline holds what the stages share, each
stage module registers its agent or views on a Pipeline it is given, and only
this module imports them all (nothing imports agents.app back).
"""

from __future__ import annotations

from typing import Any

from agents import detect, page, track, web
from agents.pipeline import Pipeline
from agents.settings import Settings


def create_pipeline(settings: Settings | None = None, **kwargs: Any) -> Pipeline:
    """A worker: the shared pipeline, its two agents, its views and its
    background tasks (follow the tracked topics, the claims registry and the
    alerts ring; deliver webhooks)."""
    pipe = Pipeline(settings or Settings(), **kwargs)
    pipe.detect_agent = detect.register(pipe)
    pipe.track_agent = track.register(pipe)
    web.register(pipe)
    page.register(pipe)  # the claims page for people (it reads web's helpers)
    pipe.app.task(pipe.follow_topics)
    pipe.app.task(pipe.follow_alerts)
    pipe.app.task(pipe.follow_claims)
    pipe.app.task(pipe.deliver_webhooks)
    return pipe


_default: Pipeline | None = None


def __getattr__(name: str) -> Any:
    # `app` is built on first use, from the environment, not at import time
    global _default
    if name == "app":
        if _default is None:
            _default = create_pipeline()
        return _default.app
    raise AttributeError(name)


__all__ = ["Pipeline", "create_pipeline"]
