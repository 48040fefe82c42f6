"""Fixtures for the browser tests: the broker and worker helpers of the
integration tests, and Debian's headless chromium through chromium-driver."""

from tests.integration.support import broker

__all__ = ["broker"]
