#!/usr/bin/env bash
# Run the crash test (tests/integration/test_crash.py) N times in a row with no reruns
# (the rerunfailures plugin is disabled, so a leftover `flaky` marker fails under
# --strict-markers), print a line per run and the pass/fail counts, exit non-zero when
# any run failed.
#   bash scripts/crash_loop.sh                 # 20 runs of the whole file
#   bash scripts/crash_loop.sh 5 -k kill_9     # 5 runs of the kill -9 test only
# Uses CLAIMWATCH_BROKER, else the local broker (scripts/kafka.sh; started here and
# stopped at the end if it was not running). CRASH_LOOP_STOP=1 stops at the first
# failure. Each run's output goes to $CRASH_LOOP_LOGS (default a new /tmp directory).
# The in-process reference (90 s on 2 cores) is computed once and reused by later runs
# (CLAIMWATCH_CRASH_REF_CACHE, keyed by a digest of the detector and the feed builder).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${CLAIMWATCH_VENV:-.venv}"
N="${1:-20}"
[[ $# -gt 0 ]] && shift
if ! [[ "$N" =~ ^[0-9]+$ ]] || [[ "$N" -lt 1 ]]; then
  echo "usage: $0 [N] [pytest args...]" >&2
  exit 2
fi

started=0
cleanup() {
  if [[ "$started" == 1 ]]; then
    bash scripts/kafka.sh stop || true
  fi
}
trap cleanup EXIT

if [[ -z "${CLAIMWATCH_BROKER:-}" ]]; then
  if [[ "$(bash scripts/kafka.sh status 2>/dev/null || true)" != running* ]]; then
    started=1
    bash scripts/kafka.sh start || exit 1
  fi
  export CLAIMWATCH_BROKER="kafka://$(bash scripts/kafka.sh bootstrap)"
fi
export CLAIMWATCH_CRASH_REF_CACHE="${CLAIMWATCH_CRASH_REF_CACHE:-$HOME/.cache/claimwatch/crash-ref}"
LOGS="${CRASH_LOOP_LOGS:-$(mktemp -d /tmp/crash_loop.XXXXXX)}"
mkdir -p "$LOGS"
echo "crash_loop: $N runs against $CLAIMWATCH_BROKER, logs in $LOGS" >&2

passed=0
failed=0
streak=0
best=0
for ((i = 1; i <= N; i++)); do
  log="$LOGS/run-$i.log"
  t0=$SECONDS
  rc=0
  "$VENV/bin/python" -m pytest tests/integration/test_crash.py -p no:rerunfailures -x -s \
    --basetemp="$LOGS/tmp-$i" "$@" >"$log" 2>&1 || rc=$?
  if [[ "$rc" == 0 ]]; then
    passed=$((passed + 1))
    streak=$((streak + 1))
    ((streak > best)) && best=$streak
    verdict=pass
  else
    failed=$((failed + 1))
    streak=0
    verdict="FAIL (pytest exit $rc)"
  fi
  summary="$(grep -E '^(crash run|uninterrupted):' "$log" | tr '\n' ' ')"
  echo "run $i/$N: $verdict in $((SECONDS - t0)) s $summary" >&2
  if [[ "$rc" != 0 ]]; then
    grep -E '^(E  |FAILED|ERROR)' "$log" | head -5 >&2
    [[ "${CRASH_LOOP_STOP:-0}" == 1 ]] && break
  fi
done
echo "crash_loop: $passed passed, $failed failed of $((passed + failed)) runs" \
  "(longest run of passes: $best)"
[[ "$failed" == 0 && "$passed" == "$N" ]]
