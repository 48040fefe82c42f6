#!/usr/bin/env bash
# Install claimwatch for development and tests:
#   - a venv at ${CLAIMWATCH_VENV:-.venv} (created with python3 when missing)
#   - `pip install -e .` plus the [dependency-groups] dev tools from pyproject.toml
#     (read with tomllib and installed by name, so old pips work too)
#   - Debian's prometheus package (for promtool) when promtool is missing and we are root
# Re-runs are cheap: pip is skipped while pyproject.toml and this script are unchanged
# (CLAIMWATCH_FORCE_INSTALL=1 forces it). Quiet, but errors are shown.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${CLAIMWATCH_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

log() { echo "install.sh: $*" >&2; }

run_quiet() {  # run a command, show its output only when it fails
  local out
  out="$(mktemp)"
  if ! "$@" >"$out" 2>&1; then
    tail -n 60 "$out" >&2
    rm -f "$out"
    log "failed: $*"
    return 1
  fi
  rm -f "$out"
}

if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating venv $VENV with $($PYTHON --version 2>&1)"
  run_quiet "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"

stamp="$VENV/.claimwatch-install"
want="$(cat pyproject.toml scripts/install.sh | sha256sum | cut -d' ' -f1)"
if [[ "${CLAIMWATCH_FORCE_INSTALL:-0}" != 1 && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  log "python deps up to date in $VENV"
else
  t0=$SECONDS
  mapfile -t dev < <("$PY" - <<'EOF'
import tomllib
with open("pyproject.toml", "rb") as f:
    data = tomllib.load(f)
for req in data.get("dependency-groups", {}).get("dev", []):
    if isinstance(req, str):
        print(req)
EOF
)
  log "pip install -e . and dev tools: ${dev[*]}"
  run_quiet "$PY" -m pip install -q --disable-pip-version-check --upgrade pip
  run_quiet "$PY" -m pip install -q --disable-pip-version-check -e . "${dev[@]}"
  echo "$want" >"$stamp"
  log "python deps installed in $((SECONDS - t0)) s"
fi

if command -v promtool >/dev/null; then
  :
elif [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  log "installing Debian's prometheus (for promtool) with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if run_quiet apt-get update -q && run_quiet apt-get install -y -q --no-install-recommends prometheus; then
    log "prometheus $(promtool --version 2>&1 | head -n1 | awk '{print $3}') installed"
  else
    log "WARNING: could not install prometheus; tests marked 'prometheus' will skip"
  fi
else
  log "promtool not found and not root: skipping prometheus (tests marked 'prometheus' will skip)"
fi

if command -v chromedriver >/dev/null && command -v chromium >/dev/null; then
  :
elif [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  log "installing Debian's chromium and chromium-driver (for the browser test) with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if run_quiet apt-get update -q && run_quiet apt-get install -y -q --no-install-recommends chromium chromium-driver; then
    log "chromium $(dpkg-query -W -f='${Version}' chromium 2>/dev/null) installed"
  else
    log "WARNING: could not install chromium; tests marked 'browser' will skip"
  fi
else
  log "chromium not found and not root: skipping it (tests marked 'browser' will skip)"
fi
