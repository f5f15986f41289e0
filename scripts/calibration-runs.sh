#!/usr/bin/env bash
# The three calibration runs of docs/calibration.md, one after the other, and a table of results.
#
#   scripts/calibration-runs.sh [--scale S] [--out-dir DIR] [--small-cpus C] [--only a|b|c]
#
#   (a) the handed-out script, starter app, big task (1 vCPU / 2 GiB):
#       its checks fail, requests go to /api/v1/todos/undefined, todos are left behind
#   (b) the solved script, solution app, the handed-out task size (--small-cpus, default 0.0625,
#       / 512 MiB; see docs/calibration.md for why not 0.25): the thresholds fail (exit code 99)
#   (c) the solved script, solution app, big task: everything passes, no todo is left behind
#
# --scale defaults to 1 (the full lab, about 4.5 minutes a run); the kit's test uses 0.3. Each run
# writes DIR/{a,b,c}.json (scripts/calibrate.sh --out) and DIR/{a,b,c}.txt (its output); DIR
# defaults to target/calibration/scale-S. Exit code 0 when all three outcomes hold, 1 otherwise.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scale=1
out_dir=
small_cpus=0.0625
only=abc
while [ "$#" -gt 0 ]; do
    case "$1" in
        --scale) scale=$2 ;;
        --out-dir) out_dir=$2 ;;
        --small-cpus) small_cpus=$2 ;;
        --only) only=$2 ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "unknown argument: $1 (see --help)" >&2
            exit 2
            ;;
    esac
    shift 2
done
out_dir=${out_dir:-$REPO_ROOT/target/calibration/scale-$scale}
mkdir -p "$out_dir"

handed_out=$REPO_ROOT/k6/planners-and-studiers.js
solved=$REPO_ROOT/k6/solved/planners-and-studiers.js

run() { # run NAME APP CPUS MEMORY SCRIPT
    local name=$1 app=$2 cpus=$3 memory=$4 script=$5 rc=0
    echo "== ($name) $app, --cpus $cpus --memory $memory, ${script#"$REPO_ROOT"/}, SCALE=$scale  [load $(cut -d' ' -f1-3 /proc/loadavg)]" >&2
    "$REPO_ROOT/scripts/calibrate.sh" --app "$app" --cpus "$cpus" --memory "$memory" \
        --script "$script" --scale "$scale" --out "$out_dir/$name.json" >"$out_dir/$name.txt" 2>&1 || rc=$?
    if [ ! -s "$out_dir/$name.json" ]; then
        tail -n 30 "$out_dir/$name.txt" >&2
        echo "($name) did not produce a summary (calibrate.sh exit code $rc)" >&2
        return 1
    fi
}

[[ $only == *a* ]] && run a starter 1 2g "$handed_out"
[[ $only == *b* ]] && run b solution "$small_cpus" 512m "$solved"
[[ $only == *c* ]] && run c solution 1 2g "$solved"

# The table, and the verdict on each run's expected outcome.
ok=0
printf '\n%-3s %-8s %-7s %-6s %9s %9s %8s %8s %6s %9s %5s %6s %s\n' \
    run app cpus memory 'req/s' 'p95 ms' 'failed' 'checks' 'exit' 'undefined' 'left' 'load' 'expected outcome' >&2
for name in a b c; do
    [[ $only == *$name* ]] || continue
    file=$out_dir/$name.json
    verdict=$(jq -r --arg name "$name" '
        def checks_failed: (.k6.metrics.checks.fails // 0);
        if $name == "a" then
            (if checks_failed > 0 and .undefined_requests > 0 and .todos_left > 0 then "holds" else "DOES NOT HOLD" end)
            + ": checks fail, /undefined requested, todos left"
        elif $name == "b" then
            (if .k6_exit_code == 99 then "holds" else "DOES NOT HOLD" end) + ": thresholds fail (exit 99)"
        else
            (if .k6_exit_code == 0 and .todos_left == 0 and .undefined_requests == 0 then "holds" else "DOES NOT HOLD" end)
            + ": passes (exit 0), nothing left"
        end' "$file")
    [[ $verdict == holds* ]] || ok=1
    jq -r --arg name "$name" --arg verdict "$verdict" '
        [$name, .app, (.cpus | tostring), .memory,
         (.k6.metrics.http_reqs.rate | floor | tostring),
         (.k6.metrics.http_req_duration["p(95)"] | . * 10 | round / 10 | tostring),
         ((.k6.metrics.http_req_failed.value // 0) * 10000 | round / 100 | tostring) + "%",
         ((.k6.metrics.checks.value // 0) * 10000 | round / 100 | tostring) + "%",
         (.k6_exit_code | tostring), (.undefined_requests | tostring), (.todos_left | tostring),
         (.machine.load_before | split(" ")[0]), $verdict]
        | "\(.[0]) \(.[1]) \(.[2]) \(.[3]) \(.[4]) \(.[5]) \(.[6]) \(.[7]) \(.[8]) \(.[9]) \(.[10]) \(.[11]) \(.[12])"' "$file" |
        while read -r r a c m q p f k e u l ld v; do
            printf '%-3s %-8s %-7s %-6s %9s %9s %8s %8s %6s %9s %5s %6s %s\n' "$r" "$a" "$c" "$m" "$q" "$p" "$f" "$k" "$e" "$u" "$l" "$ld" "$v" >&2
        done
done
echo "summaries in $out_dir" >&2
exit "$ok"
