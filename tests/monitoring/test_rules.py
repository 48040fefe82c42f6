"""Prometheus config and rules: promtool's checks and unit tests, plus the house rules
(every alert has `for`, a severity and a runbook-like description, and is unit-tested both
firing and quiet; every metric read is in the contract)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import (
    CONTRACT_METRICS,
    PROM_DIR,
    PROM_TESTS_DIR,
    RULES_DIR,
    metric_names,
    rule_files,
)


def _rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for path in rule_files():
        for group in yaml.safe_load(path.read_text())["groups"]:
            rules.extend(group["rules"])
    return rules


def _alerts() -> list[dict[str, Any]]:
    return [r for r in _rules() if "alert" in r]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - promtool with repository files
        args, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.prometheus
def test_promtool_check_rules(promtool: str) -> None:
    files = rule_files()
    assert files, f"no rule files under {RULES_DIR}"
    proc = _run(promtool, "check", "rules", *map(str, files))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("SUCCESS") == len(files)


@pytest.mark.prometheus
def test_promtool_check_config_loads_the_rules(promtool: str, tmp_path: Path) -> None:
    # prometheus.yml names the rules at their path inside the prometheus container; point
    # rule_files at the repository's copy so that `check config` also parses every rule file.
    config = yaml.safe_load((PROM_DIR / "prometheus.yml").read_text())
    config["rule_files"] = [str(RULES_DIR / "*.yml")]
    checked = tmp_path / "prometheus.yml"
    checked.write_text(yaml.safe_dump(config))
    proc = _run(promtool, "check", "config", str(checked))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for path in rule_files():
        assert str(path) in proc.stdout, (
            f"{path.name} not loaded through rule_files:\n{proc.stdout}"
        )


@pytest.mark.prometheus
def test_promtool_unit_tests_pass(promtool: str) -> None:
    files = sorted(PROM_TESTS_DIR.glob("*.yml"))
    assert files
    proc = _run(promtool, "test", "rules", *map(str, files))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("SUCCESS") == len(files)


@pytest.mark.prometheus
def test_promtool_unit_tests_fail_on_a_broken_rule(promtool: str, tmp_path: Path) -> None:
    # The unit tests can fail: an alert that never fires breaks them.
    (tmp_path / "rules").mkdir()
    (tmp_path / "tests").mkdir()
    for path in rule_files():
        doc = yaml.safe_load(path.read_text())
        for group in doc["groups"]:
            for rule in group["rules"]:
                if rule.get("alert") == "ClaimwatchLatencyP99High":
                    rule["expr"] = "vector(1) == 0"
        (tmp_path / "rules" / path.name).write_text(yaml.safe_dump(doc))
    test_file = PROM_TESTS_DIR / "latency.test.yml"
    (tmp_path / "tests" / test_file.name).write_text(test_file.read_text())
    proc = _run(promtool, "test", "rules", str(tmp_path / "tests" / test_file.name))
    assert proc.returncode != 0
    assert "ClaimwatchLatencyP99High" in proc.stdout + proc.stderr


EXPECTED_ALERTS = {
    "ClaimwatchWorkerDown",
    "ClaimwatchWorkerNotReady",
    "ClaimwatchNotConsuming",
    "ClaimwatchLagGrowing",
    "ClaimwatchDeadLettersSpiking",
    "ClaimwatchLatencyP99High",
    "ClaimwatchWebhooksFailing",
}


def test_every_expected_alert_is_defined() -> None:
    assert {a["alert"] for a in _alerts()} == EXPECTED_ALERTS


@pytest.mark.parametrize("alert", sorted(EXPECTED_ALERTS))
def test_alert_has_for_severity_and_runbook(alert: str) -> None:
    (rule,) = [r for r in _alerts() if r["alert"] == alert]
    assert rule.get("for"), f"{alert} has no `for:`"
    assert rule["labels"]["severity"] in {"critical", "warning"}
    annotations = rule["annotations"]
    assert annotations["summary"].strip()
    # runbook-like: says what happened and what to check
    assert len(annotations["description"].split()) >= 30


def _unit_cases() -> list[tuple[str, bool]]:
    cases = []
    for path in PROM_TESTS_DIR.glob("*.yml"):
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                cases.append((case["alertname"], bool(case.get("exp_alerts"))))
    return cases


@pytest.mark.parametrize("alert", sorted(EXPECTED_ALERTS))
def test_alert_is_unit_tested_firing_and_quiet(alert: str) -> None:
    outcomes = {fires for name, fires in _unit_cases() if name == alert}
    assert outcomes == {True, False}, f"{alert}: needs a case that fires and one that stays quiet"


def test_rules_read_only_contract_metrics() -> None:
    for rule in _rules():
        used = metric_names(rule["expr"])
        assert used <= CONTRACT_METRICS, (
            f"{rule.get('record') or rule.get('alert')}: {used - CONTRACT_METRICS}"
        )


def test_recording_rule_names_follow_level_metric_operation() -> None:
    for rule in _rules():
        if "record" in rule:
            parts = rule["record"].split(":")
            assert len(parts) == 3 and parts[0] == "claimwatch", rule["record"]


def test_no_rule_adds_labels_from_text() -> None:
    # Labels come from the contract (reason, kind, stance, type, stage, status, result,
    # topic, partition, version); rules never invent one from a value.
    for rule in _rules():
        assert "label_replace" not in rule["expr"]
        assert "label_join" not in rule["expr"]
