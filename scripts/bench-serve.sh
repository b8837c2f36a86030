#!/usr/bin/env bash
# `orchestrate serve` under load on SQLite and PostgreSQL, beside LiteLLM's proxy on the same instant backend, in one
# run on one machine (orchestrate-bench serve): installs wrk (Debian) when missing, builds the release binaries, starts
# a throwaway PostgreSQL cluster (scripts/postgres.sh) and, with --litellm, installs litellm[proxy] into a virtual
# environment of its own beside the project's (.venv-litellm, or $ORCHESTRATE_LITELLM_VENV): its pins would otherwise
# move the local model server's packages in .venv.
#
#   scripts/bench-serve.sh [--litellm] [orchestrate-bench serve options…]
#   scripts/bench-serve.sh --litellm --seconds 20
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

litellm=()
if [[ "${1:-}" == "--litellm" ]]; then
    shift
    venv="${ORCHESTRATE_LITELLM_VENV:-$PWD/.venv-litellm}"
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
    if [[ ! -x "$venv/bin/litellm" ]]; then
        echo "bench-serve: installing litellm[proxy] into $venv" >&2
        "$venv/bin/python" -m pip install --disable-pip-version-check --quiet 'litellm[proxy]' >&2
    fi
    litellm=(--litellm "$venv/bin/litellm")
fi

if ! command -v wrk >/dev/null 2>&1; then
    echo "bench-serve: installing wrk" >&2
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >&2
fi

swift build -c release --product orchestrate >&2
swift build -c release --product orchestrate-bench >&2

trap 'scripts/postgres.sh stop' EXIT
eval "$(scripts/postgres.sh start)"
.build/release/orchestrate-bench serve --wrk "$(command -v wrk)" --postgres "$ORCHESTRATE_TEST_POSTGRES_URL" "${litellm[@]}" "$@"
