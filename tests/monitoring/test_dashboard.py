"""The Grafana dashboard: well-formed, on the provisioned datasource, and every query reads
contract metrics or recording rules that exist."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from .conftest import CONTRACT_METRICS, DASHBOARD, MONITORING, metric_names, rule_files

REQUIRED_PANELS = {
    "Items per second",
    "Consumer lag by partition",
    "Ingest-to-alert latency",
    "Detector seconds per item",
    "Dead letters by reason",
    "Alerts by type",
    "Claims by status",
    "Webhook deliveries",
    "Worker up",
}


def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return data


def query_panels() -> list[dict[str, Any]]:
    return [p for p in dashboard()["panels"] if p.get("type") != "row"]


def recorded_names() -> set[str]:
    names = set()
    for path in rule_files():
        for group in yaml.safe_load(path.read_text())["groups"]:
            names |= {r["record"] for r in group["rules"] if "record" in r}
    return names


def test_dashboard_shape() -> None:
    d = dashboard()
    assert d["uid"] == "claimwatch"
    assert 36 <= d["schemaVersion"] <= 41
    ids = [p["id"] for p in d["panels"]]
    assert len(ids) == len(set(ids))
    assert {p["title"] for p in query_panels()} >= REQUIRED_PANELS


def test_panels_use_the_provisioned_datasource() -> None:
    ds_file = MONITORING / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
    (ds,) = yaml.safe_load(ds_file.read_text())["datasources"]
    for panel in query_panels():
        assert panel["datasource"] == {"type": "prometheus", "uid": ds["uid"]}, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == ds["uid"]


@pytest.mark.parametrize("panel", query_panels(), ids=lambda p: p["title"])
def test_panel_queries_read_known_series(panel: dict[str, Any]) -> None:
    recorded = recorded_names()
    for target in panel["targets"]:
        expr = target["expr"]
        assert metric_names(expr) <= CONTRACT_METRICS, expr
        for name in re.findall(r"\bclaimwatch:[a-z0-9_:]+", expr):
            assert name in recorded, f"{panel['title']}: {name} is not a recording rule"
        # only Grafana's built-in interval variables, no dashboard variables to resolve
        assert set(re.findall(r"\$\w+", expr)) <= {"$__rate_interval", "$__interval"}, expr
