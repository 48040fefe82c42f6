"""Fixtures for the integration tests (helpers live in support.py)."""

from tests.integration.support import broker, worker_factory

__all__ = ["broker", "worker_factory"]
