"""The detection core stays pure: importing it loads no Kafka, Faust or metrics code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("faust", "aiokafka", "kafka", "prometheus_client", "agents", "mode")

PROBE = """
import json, sys
import detector, detector.core, detector.feed, detector.status, detector.stancemodel
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_importing_detector_loads_no_worker_dependencies() -> None:
    cmd = [sys.executable, "-c", PROBE]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "detector" in loaded
    assert loaded.isdisjoint(FORBIDDEN), sorted(loaded & set(FORBIDDEN))


def test_detector_sources_import_no_worker_package() -> None:
    # catches a lazy import inside a function, which the probe above cannot see
    bad = []
    for path in sorted((ROOT / "detector").glob("*.py")):
        for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            words = line.strip().split()
            if len(words) >= 2 and words[0] in ("import", "from") and \
                    words[1].split(".")[0] in FORBIDDEN:
                bad.append(f"{path.name}:{n}: {line.strip()}")
    assert bad == []
