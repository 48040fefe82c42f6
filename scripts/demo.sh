#!/usr/bin/env bash
# The one-command demo: installs claimwatch into .venv, then runs `claimwatch demo`:
# a local Kafka broker (unless CLAIMWATCH_BROKER is set), the worker, the seed feed
# replayed into the news topic, and the alerts printed as they arrive.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install.sh
exec "${CLAIMWATCH_VENV:-.venv}/bin/claimwatch" demo "$@"
