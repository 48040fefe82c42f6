"""Shared paths and the metrics contract for the monitoring tests."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MONITORING = REPO / "monitoring"
PROM_DIR = MONITORING / "prometheus"
RULES_DIR = PROM_DIR / "rules"
PROM_TESTS_DIR = PROM_DIR / "tests"
DASHBOARD = MONITORING / "grafana" / "dashboards" / "claimwatch.json"

# The metric names every worker exposes (issue 5, metrics contract).
CONTRACT_METRICS = frozenset(
    {
        "claimwatch_items_consumed_total",
        "claimwatch_items_accepted_total",
        "claimwatch_items_rejected_total",
        "claimwatch_items_duplicate_total",
        "claimwatch_observations_total",
        "claimwatch_alerts_total",
        "claimwatch_stage_seconds",
        "claimwatch_stage_errors_total",
        "claimwatch_ingest_to_alert_seconds",
        "claimwatch_claims",
        "claimwatch_webhook_deliveries_total",
        "claimwatch_consumer_lag",
        "claimwatch_last_consumed_timestamp_seconds",
        "claimwatch_worker_up",
        "claimwatch_build_info",
    }
)
HISTOGRAMS = frozenset({"claimwatch_stage_seconds", "claimwatch_ingest_to_alert_seconds"})

_METRIC_TOKEN = re.compile(r"\bclaimwatch_[a-z0-9_]+")


def metric_names(expr: str) -> set[str]:
    """Contract names a PromQL expression reads (histogram suffixes folded)."""
    names = set()
    for token in _METRIC_TOKEN.findall(expr):
        for suffix in ("_bucket", "_sum", "_count"):
            base = token.removesuffix(suffix)
            if base != token and base in HISTOGRAMS:
                token = base
                break
        names.add(token)
    return names


def rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.yml"))


@pytest.fixture
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.skip(
            "promtool not installed (Debian package `prometheus`: apt-get install prometheus)"
        )
    return path
