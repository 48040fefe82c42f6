#!/usr/bin/env bash
# The one test command: installs, starts a local Kafka broker (unless CLAIMWATCH_BROKER is
# set), runs pytest with the given arguments, stops the broker it started.
#   bash scripts/test.sh                 # all tests
#   bash scripts/test.sh -m "not integration" -x
# KAFKA_VERSION=4.1.0 selects a 4.x broker (see scripts/kafka.sh).
# Exit code: pytest's; "no tests collected" (5) counts as a failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${CLAIMWATCH_VENV:-.venv}"

bash scripts/install.sh

started=0
cleanup() {
  if [[ "$started" == 1 ]]; then
    bash scripts/kafka.sh stop || true
  fi
}
trap cleanup EXIT

if [[ -z "${CLAIMWATCH_BROKER:-}" ]]; then
  if [[ "$(bash scripts/kafka.sh status 2>/dev/null || true)" == running* ]]; then
    echo "test.sh: using the broker already running on $(bash scripts/kafka.sh bootstrap)" >&2
  else
    started=1
    bash scripts/kafka.sh start
  fi
  export CLAIMWATCH_BROKER="kafka://$(bash scripts/kafka.sh bootstrap)"
fi
echo "test.sh: CLAIMWATCH_BROKER=$CLAIMWATCH_BROKER" >&2

rc=0
"$VENV/bin/python" -m pytest "$@" || rc=$?
if [[ "$rc" == 5 ]]; then
  echo "test.sh: pytest collected no tests: failing" >&2
fi
exit "$rc"
