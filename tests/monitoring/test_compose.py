"""docker-compose.yml and the Dockerfile, checked without a Docker engine: the compose file
validates against the Compose Specification's JSON Schema, every bind-mounted path exists in
the repository, and the mounted Prometheus and Grafana configs point at each other."""

from __future__ import annotations

import copy
import fnmatch
import json
import os
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath
from typing import Any

import jsonschema
import pytest
import yaml

from .conftest import DASHBOARD, MONITORING, REPO, RULES_DIR

COMPOSE_FILE = REPO / "docker-compose.yml"
# The Compose Specification's JSON Schema ships in the Go module that `docker compose`
# itself loads files with; it is fetched from the Go module proxy at test time (a package
# registry, like PyPI for the rest), never copied into this repository.
COMPOSE_GO = "github.com/compose-spec/compose-go/v2@v2.16.2"


def _schema_file() -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.skip("the Go toolchain is needed to fetch the compose-spec schema module")
    cache = Path(os.environ.get("CLAIMWATCH_CACHE", Path.home() / ".cache" / "claimwatch"))
    env = {**os.environ, "GOPATH": str(cache / "gopath"), "GOFLAGS": "-modcacherw"}
    proc = subprocess.run([go, "mod", "download", "-json", COMPOSE_GO], capture_output=True,
                          text=True, env=env, cwd="/", timeout=300, check=False)
    if proc.returncode != 0:
        pytest.skip(f"cannot fetch {COMPOSE_GO}: {proc.stderr.strip()[:200]}")
    return Path(json.loads(proc.stdout)["Dir"]) / "schema" / "compose-spec.json"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return data


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(_schema_file().read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _errors(validator: jsonschema.protocols.Validator, doc: dict[str, Any]) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(doc)]


def test_compose_file_is_valid_compose_spec(
    compose: dict[str, Any], validator: jsonschema.protocols.Validator
) -> None:
    assert _errors(validator, compose) == []


def test_schema_rejects_a_misspelled_key(
    compose: dict[str, Any], validator: jsonschema.protocols.Validator
) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["worker"]["enviroment"] = broken["services"]["worker"].pop("environment")
    assert any("enviroment" in e for e in _errors(validator, broken))


def _bind_mounts(service: dict[str, Any]) -> list[tuple[Path, str]]:
    """(host path, container path) of a service's bind mounts (named volumes skipped)."""
    mounts = []
    for vol in service.get("volumes", []):
        if isinstance(vol, str):
            source, target = vol.split(":")[:2]
        else:
            if vol.get("type") != "bind":
                continue
            source, target = vol["source"], vol["target"]
        if source.startswith((".", "/")):
            mounts.append(((COMPOSE_FILE.parent / source).resolve(), target))
    return mounts


def _to_host(service: dict[str, Any], container_path: str) -> Path | None:
    """Map a path inside the container to the repository through the bind mounts."""
    path = PurePosixPath(container_path)
    for host, target in _bind_mounts(service):
        try:
            rel = path.relative_to(target)
        except ValueError:
            continue
        return host / rel
    return None


def test_every_bind_mount_exists_in_the_repository(compose: dict[str, Any]) -> None:
    mounts = [(name, m) for name, svc in compose["services"].items() for m in _bind_mounts(svc)]
    assert mounts, "expected bind mounts for prometheus and grafana"
    for name, (host, _) in mounts:
        assert host.exists(), f"service {name} mounts {host}, which does not exist"
        assert REPO in host.parents, f"service {name} mounts {host} from outside the repo"


def test_prometheus_loads_the_repository_config_and_rules(compose: dict[str, Any]) -> None:
    prom = compose["services"]["prometheus"]
    assert prom["image"].startswith("prom/prometheus")
    (config_arg,) = [a for a in prom["command"] if a.startswith("--config.file=")]
    config_host = _to_host(prom, config_arg.split("=", 1)[1])
    assert config_host is not None and config_host.is_file(), config_arg
    assert config_host == MONITORING / "prometheus" / "prometheus.yml"
    config = yaml.safe_load(config_host.read_text())
    loaded: set[Path] = set()
    for pattern in config["rule_files"]:
        host_pattern = _to_host(prom, pattern)
        assert host_pattern is not None, f"rule_files entry {pattern} is outside every mount"
        matched = {
            p for p in host_pattern.parent.glob("*") if fnmatch.fnmatch(p.name, host_pattern.name)
        }
        assert matched, f"rule_files entry {pattern} matches no file in the repo"
        loaded |= matched
    assert loaded == set(RULES_DIR.glob("*.yml"))


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def test_prometheus_scrapes_the_worker_web_port(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    port = _env(worker)["CLAIMWATCH_WEB_PORT"]
    assert _env(worker)["CLAIMWATCH_WEB_HOST"] == "0.0.0.0"  # noqa: S104 - inside the container
    config = yaml.safe_load((MONITORING / "prometheus" / "prometheus.yml").read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "claimwatch"]
    targets = [
        (name, sd["port"]) for sd in job.get("dns_sd_configs", []) for name in sd["names"]
    ] + [tuple(t.rsplit(":", 1)) for sc in job.get("static_configs", []) for t in sc["targets"]]
    assert ("worker", int(port)) in [(n, int(p)) for n, p in targets]


def test_worker_settings_are_real_settings(compose: dict[str, Any]) -> None:
    settings = pytest.importorskip("agents.settings")
    fields = {f"CLAIMWATCH_{name.upper()}" for name in settings.Settings.model_fields}
    for name in ("worker", "replay"):
        unknown = {k for k in _env(compose["services"][name]) if k.startswith("CLAIMWATCH_")}
        unknown -= fields
        assert not unknown, f"{name}: {unknown} are not claimwatch settings"


def test_worker_talks_to_kafka_inside_the_compose_network(compose: dict[str, Any]) -> None:
    kafka_env = _env(compose["services"]["kafka"])
    assert compose["services"]["kafka"]["image"] == "apache/kafka:3.9.1"
    assert set(kafka_env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert "PLAINTEXT://kafka:9092" in kafka_env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert _env(compose["services"]["worker"])["CLAIMWATCH_BROKER"] == "kafka://kafka:9092"
    assert compose["services"]["worker"]["build"]["context"] == "."
    assert compose["services"]["replay"]["profiles"] == ["demo"]


def test_grafana_provisioning_finds_the_dashboard_and_datasource(compose: dict[str, Any]) -> None:
    grafana = compose["services"]["grafana"]
    env = _env(grafana)
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "true"
    assert env["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
    prov = _to_host(grafana, "/etc/grafana/provisioning")
    assert prov is None or prov.exists()
    ds_dir = _to_host(grafana, "/etc/grafana/provisioning/datasources")
    dash_dir = _to_host(grafana, "/etc/grafana/provisioning/dashboards")
    assert ds_dir is not None and dash_dir is not None
    (ds_file,) = ds_dir.glob("*.yml")
    (datasource,) = yaml.safe_load(ds_file.read_text())["datasources"]
    assert datasource["url"] == "http://prometheus:9090"
    (provider_file,) = dash_dir.glob("*.yml")
    (provider,) = yaml.safe_load(provider_file.read_text())["providers"]
    dashboards_host = _to_host(grafana, provider["options"]["path"])
    assert dashboards_host is not None
    assert DASHBOARD in dashboards_host.glob("*.json")
    home = _to_host(grafana, env["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"])
    assert home == DASHBOARD
    uids = {
        t["datasource"]["uid"]
        for p in json.loads(DASHBOARD.read_text())["panels"]
        for t in p.get("targets", [])
    }
    assert uids == {datasource["uid"]}


def _dockerignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def test_dockerfile_builds_the_worker_from_the_repository() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert re.search(r'^CMD \["claimwatch", "worker"\]', text, re.M)
    assert "CLAIMWATCH_WEB_HOST=0.0.0.0" in text
    ignored = _dockerignore_patterns()
    # every COPY source is in the repo and not excluded from the build context
    sources = re.findall(r"^COPY (\S+) ", text, re.M)
    assert sources
    for source in sources:
        assert (REPO / source).exists(), f"COPY {source}: not in the repository"
        assert not any(fnmatch.fnmatch(source, pat) for pat in ignored), f"{source} is ignored"
    # the packages that pyproject builds are copied
    pyproject = (REPO / "pyproject.toml").read_text()
    packages = re.search(r"packages = \[([^\]]*)\]", pyproject)
    assert packages is not None
    for package in re.findall(r'"([^"]+)"', packages.group(1)):
        assert package in sources, f"pyproject builds {package} but the Dockerfile does not copy it"


def test_references_between_services_resolve(compose: dict[str, Any]) -> None:
    services = compose["services"]
    declared_volumes = set(compose.get("volumes") or {})
    built_images = {svc["image"] for svc in services.values() if "build" in svc and "image" in svc}
    for name, svc in services.items():
        depends = svc.get("depends_on", {})
        for dep in depends if isinstance(depends, list) else depends.keys():
            assert dep in services, f"{name} depends on unknown service {dep}"
        for vol in svc.get("volumes", []):
            source = vol.split(":")[0] if isinstance(vol, str) else vol.get("source", "")
            if source and not source.startswith((".", "/")):
                assert source in declared_volumes, f"{name} uses undeclared volume {source}"
        image = svc.get("image", "")
        if image.startswith("claimwatch"):
            assert "build" in svc or image in built_images, f"{name}: nothing builds {image}"
