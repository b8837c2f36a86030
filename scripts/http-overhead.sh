#!/usr/bin/env bash
# Our HTTP path against curl on the same request to the same model: N calls each, alternating call by call,
# medians compared. Needs a running OpenAI-compatible server (scripts/local-llm.sh start) and a built
# orchestrate (swift build -c release).
#
#   scripts/http-overhead.sh [MODEL] [CALLS] [MAX_TOKENS]
#   scripts/http-overhead.sh gemma-270m-greedy 30 1
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

model="${1:-gemma-270m-greedy}"
calls="${2:-30}"
max_tokens="${3:-1}"
fleet="${FLEET:-Workflows/fleets/local.json}"
orchestrate="${ORCHESTRATE:-.build/release/orchestrate}"
[[ -x "$orchestrate" ]] || orchestrate=.build/debug/orchestrate

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$orchestrate" probe "$model" --fleet "$fleet" --max-tokens "$max_tokens" --print-request >"$work/request"
url="$(head -1 "$work/request")"
tail -n +2 "$work/request" >"$work/body.json"

# Warm both paths (the server caches the prompt), then measure.
curl -fsS -o /dev/null -H 'Content-Type: application/json' -d @"$work/body.json" "$url"
"$orchestrate" probe "$model" --fleet "$fleet" --max-tokens "$max_tokens" --count 1 >/dev/null

# Alternate one call each, so that drift in the server (cache, clock, load) falls on both sides alike. Each of
# our calls is a fresh `orchestrate probe` process, so it opens its connection as curl does.
for _ in $(seq 1 "$calls"); do
    curl -fsS -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/json' -d @"$work/body.json" "$url" >>"$work/curl"
    "$orchestrate" probe "$model" --fleet "$fleet" --max-tokens "$max_tokens" --count 1 >>"$work/ours"
done

python3 - "$work/curl" "$work/ours" "$model" "$max_tokens" <<'PY'
import re, statistics, sys
curl = [float(line) * 1000 for line in open(sys.argv[1]) if line.strip()]
ours = [float(m.group(1)) for m in re.finditer(r"^call \d+: ([\d.]+) ms", open(sys.argv[2]).read(), re.M)]
def describe(values):
    q = statistics.quantiles(values, n=10)
    return f"median {statistics.median(values):7.1f} ms  p10 {q[0]:7.1f}  p90 {q[-1]:7.1f}  (n={len(values)})"
print(f"model {sys.argv[3]}, max_tokens {sys.argv[4]}")
print(f"curl         {describe(curl)}")
print(f"orchestrate  {describe(ours)}")
print(f"overhead     {statistics.median(ours) - statistics.median(curl):+.1f} ms at the median")
PY
