#!/usr/bin/env bash
# Checks the Swift sources against .swift-format; `--fix` rewrites them in place instead.
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Sources Tests Package.swift)
if [ "${1:-}" = "--fix" ]; then
    swift format --in-place --recursive "${paths[@]}"
else
    swift format lint --strict --recursive "${paths[@]}"
fi
