#!/usr/bin/env bash
# The one-command demo: installs claimwatch into .venv, then runs `claimwatch demo`:
# a local Kafka broker (unless CLAIMWATCH_BROKER is set), the worker, the seed feed
# served as RSS on a local HTTP server (seeds/feeds.yaml) and polled into the news
# topic by the feed poller, and the alerts printed as they arrive. It prints where
# the claims page is (GET / on the worker's web port); in a terminal it keeps
# everything up until Ctrl-C (--no-stay: stop when the seed feed's alerts are in).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install.sh
exec "${CLAIMWATCH_VENV:-.venv}/bin/claimwatch" demo "$@"
