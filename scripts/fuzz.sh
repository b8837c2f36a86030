#!/usr/bin/env bash
# A long fuzz campaign over every parser of untrusted text (Tests/OrchestratorTests/FuzzTests.swift): answer
# extraction, the message checks and arithmetic scanner, choice options, the JSON parser, AgentsNet messages,
# request and reply bodies, and message framing (8 targets). The test command runs each target for 10 s; this runs them for
# MINUTES in all (default 30), printing the inputs each target ran. A crash ends the run with the signal; a broken
# property prints the input and the seed that reproduces it.
#   scripts/fuzz.sh [MINUTES]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
minutes="${1:-30}"
targets=8
export ORCHESTRATE_FUZZ_SECONDS=$((minutes * 60 / targets))
echo "fuzz: $targets targets, ${ORCHESTRATE_FUZZ_SECONDS} s each" >&2
set +e
swift test --filter FuzzTests 2>&1 | grep --line-buffered -E "^fuzz |✘|✔ Suite FuzzTests|error|signal|Fatal"
status="${PIPESTATUS[0]}"
echo "fuzz: swift test exited $status" >&2
exit "$status"
