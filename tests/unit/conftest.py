"""Fixtures shared by the unit tests: one spaCy pipeline per session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

#: ../shared next to the repository: third-party data, absent on some machines
SHARED = Path(__file__).resolve().parents[2].parent / "shared"


@pytest.fixture(scope="session")
def nlp() -> Any:
    """The trained small English pipeline, loaded once (skip when not installed)."""
    from detector import load_nlp

    try:
        return load_nlp()
    except OSError as exc:
        pytest.skip(f"no spaCy English model: {exc}")
