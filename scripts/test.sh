#!/usr/bin/env bash
# Runs every test, the one against a real local model, the one with the official openai Python client and the
# PostgreSQL store's included: starts the local model (installing it the first time, see scripts/local-llm.sh) and a
# throwaway PostgreSQL cluster (scripts/postgres.sh), installs the openai and mcp packages into the same virtual environment,
# runs `swift test`, and stops what it started.
# Arguments go to `swift test` (for example --filter LocalModelTests).
# First, before anything is built, the Debian packages the tests need (scripts/test-deps.sh): installed when this runs
# as root or with password-less sudo; otherwise it stops at once with the one command to run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/test-deps.sh install

started_here=0
if ! scripts/local-llm.sh status 2>/dev/null; then
    started_here=1
    # One core for the model, one for the tests beside it: several tests measure concurrency in wall time.
    export ORCHESTRATE_LOCAL_LLM_THREADS="${ORCHESTRATE_LOCAL_LLM_THREADS:-1}"
fi
eval "$(scripts/local-llm.sh start)"
cleanup() {
    status=$?
    # A failed run shows what the PostgreSQL server said (refused connections, slow statements, long checkpoints).
    if [[ $status != 0 ]]; then scripts/postgres.sh log >&2 || true; fi
    scripts/postgres.sh stop
    if [[ $started_here == 1 ]]; then scripts/local-llm.sh stop; fi
}
trap cleanup EXIT
# A throwaway PostgreSQL cluster (scripts/postgres.sh) for the PostgreSQL trace store's tests, removed at the end.
eval "$(scripts/postgres.sh start)"
export ORCHESTRATE_REQUIRE_LOCAL_LLM=1
export ORCHESTRATE_REQUIRE_POSTGRES=1
# The official openai client, for the test that calls `orchestrate serve` as another language's framework would, and
# the official MCP client (PyPI mcp), for the tests of `orchestrate mcp`.
venv_python="${ORCHESTRATE_VENV:-$PWD/.venv}/bin/python"
if ! "$venv_python" -c "import openai, mcp" 2>/dev/null; then
    echo "test: installing the openai and mcp Python packages into the virtual environment" >&2
    "$venv_python" -m pip install --disable-pip-version-check --quiet "openai>=1.40" "mcp>=2.3,<3" >&2
fi
export ORCHESTRATE_OPENAI_PYTHON="$venv_python"
export ORCHESTRATE_REQUIRE_OPENAI_CLIENT=1
export ORCHESTRATE_MCP_PYTHON="$venv_python"
export ORCHESTRATE_REQUIRE_MCP_CLIENT=1
# Code answers run only in a bubblewrap jail: the jail tests must run, not be skipped (apt-get install bubblewrap).
export ORCHESTRATE_REQUIRE_SANDBOX=1
# The recorded outcomes beside the repository (../shared/data/routellm): the tests that read them must run.
export ORCHESTRATE_REQUIRE_SHARED_DATA=1
# orchestrate-bench serve's test drives serve with wrk (apt-get install wrk): it must run, not be skipped.
export ORCHESTRATE_REQUIRE_WRK=1
# The web trace viewer is tested in headless Chromium (apt-get install chromium): the test must run, not be skipped.
export ORCHESTRATE_REQUIRE_CHROMIUM=1
swift test "$@"
