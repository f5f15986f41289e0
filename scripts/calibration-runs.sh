#!/usr/bin/env bash
# The calibration runs of docs/calibration.md, one after the other, and a table of results.
#
#   scripts/calibration-runs.sh [--scale S] [--out-dir DIR] [--only abcd] [--table-only]
#
#   (a) the handed-out script, starter app, the solved task size:
#       its checks fail, requests go to /api/v1/todos/undefined, todos are left behind
#   (b) the solved script, solution app, the handed-out task size: a threshold fails (exit 99)
#   (c) the solved script, solution app, the solved task size: everything passes, nothing is left
#   (d) the solved script, solution app, the Fargate size between the two (512 CPU units,
#       1024 MiB): recorded to show why the autograder's ecs_task_size asks for more; expected
#       to run its CPU flat out at the peak (throttled in at least 10% of its CFS periods)
#
# The sizes (a)-(c) use are read where the lab keeps them: terraform/task-size.auto.tfvars
# (handed out) and terraform/solved/task-size.auto.tfvars (solved); 1024 CPU units are emulated
# as one of this machine's CPUs.
# --scale defaults to 1 (the full lab, about 4.5 minutes a run); the kit's test uses 0.3. Each run
# writes DIR/NAME.json (scripts/calibrate.sh --out) and DIR/NAME.txt (its output); DIR defaults to
# target/calibration/scale-S; --table-only prints the table of the summaries already in DIR.
# Exit code 0 when every outcome holds, 1 otherwise.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scale=1
out_dir=
only=abcd
table_only=0
while [ "$#" -gt 0 ]; do
    case "$1" in
        --table-only)
            table_only=1
            shift
            continue
            ;;
        --scale) scale=$2 ;;
        --out-dir) out_dir=$2 ;;
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

# `value FILE NAME`: the number assigned to NAME in a .tfvars FILE (`task_cpu = 256`).
value() {
    local found
    found=$(sed -n -E "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*([0-9]+).*/\1/p" "$1" | head -n1)
    [ -n "$found" ] || {
        echo "no value for $2 in $1" >&2
        exit 2
    }
    echo "$found"
}
cpus() { awk -v units="$1" 'BEGIN { printf "%g", units / 1024 }'; }

handed_out_tfvars=$REPO_ROOT/terraform/task-size.auto.tfvars
solved_tfvars=$REPO_ROOT/terraform/solved/task-size.auto.tfvars
small_cpus=$(cpus "$(value "$handed_out_tfvars" task_cpu)")
small_memory=$(value "$handed_out_tfvars" task_memory)m
big_cpus=$(cpus "$(value "$solved_tfvars" task_cpu)")
big_memory=$(value "$solved_tfvars" task_memory)m
middle_cpus=$(cpus 512)
middle_memory=1024m

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

if [ "$table_only" = 0 ]; then
    [[ $only == *a* ]] && run a starter "$big_cpus" "$big_memory" "$handed_out"
    [[ $only == *b* ]] && run b solution "$small_cpus" "$small_memory" "$solved"
    [[ $only == *c* ]] && run c solution "$big_cpus" "$big_memory" "$solved"
    [[ $only == *d* ]] && run d solution "$middle_cpus" "$middle_memory" "$solved"
fi

# The table, and the verdict on each run's expected outcome.
ok=0
printf '\n%-3s %-8s %-5s %-6s %6s %7s %7s %8s %6s %9s %5s %10s %9s %7s %6s %s\n' \
    run app cpus memory 'req/s' 'p95 ms' 'failed' 'checks' 'exit' 'undefined' 'left' 'throttled' 'CPU/req' 'RSS' 'load' 'expected outcome' >&2
for name in a b c d; do
    [[ $only == *$name* ]] || continue
    file=$out_dir/$name.json
    verdict=$(jq -r --arg name "$name" '
        def checks_failed: (.k6.metrics.checks.fails // 0);
        if $name == "a" then
            (if checks_failed > 0 and .undefined_requests > 0 and .todos_left > 0 then "holds" else "DOES NOT HOLD" end)
            + ": checks fail, /undefined requested, todos left"
        elif $name == "b" then
            (if .k6_exit_code == 99 then "holds" else "DOES NOT HOLD" end) + ": thresholds fail (exit 99)"
        elif $name == "c" then
            (if .k6_exit_code == 0 and .todos_left == 0 and .undefined_requests == 0 then "holds" else "DOES NOT HOLD" end)
            + ": passes (exit 0), nothing left"
        else
            (if .app_cpu.periods > 0 and .app_cpu.throttled_periods / .app_cpu.periods >= 0.1 then "holds" else "DOES NOT HOLD" end)
            + ": CPU flat out at the peak (throttled in \(.app_cpu.throttled_periods) of \(.app_cpu.periods) periods), k6 exit \(.k6_exit_code)"
        end' "$file")
    [[ $verdict == holds* ]] || ok=1
    jq -r --arg name "$name" --arg verdict "$verdict" '
        [$name, .app, (.cpus | tostring), .memory,
         (.k6.metrics.http_reqs.rate | floor | tostring),
         (.k6.metrics.http_req_duration["p(95)"] | . * 10 | round / 10 | tostring),
         ((.k6.metrics.http_req_failed.value // 0) * 10000 | round / 100 | tostring) + "%",
         ((.k6.metrics.checks.value // 0) * 10000 | round / 100 | tostring) + "%",
         (.k6_exit_code | tostring), (.undefined_requests | tostring), (.todos_left | tostring),
         ((if .app_cpu.periods > 0 then .app_cpu.throttled_periods / .app_cpu.periods else 0 end) * 100 | round | tostring) + "%",
         ((.app_cpu.used_ms * 1000 / .k6.metrics.http_reqs.count) | round | tostring) + "µs",
         (.app_memory.peak_mib | tostring) + "MiB",
         (.machine.load_before | split(" ")[0]), $verdict]
        | "\(.[0]) \(.[1]) \(.[2]) \(.[3]) \(.[4]) \(.[5]) \(.[6]) \(.[7]) \(.[8]) \(.[9]) \(.[10]) \(.[11]) \(.[12]) \(.[13]) \(.[14]) \(.[15])"' "$file" |
        while read -r r a c m q p f k e u l t cr rss ld v; do
            printf '%-3s %-8s %-5s %-6s %6s %7s %7s %8s %6s %9s %5s %10s %9s %7s %6s %s\n' "$r" "$a" "$c" "$m" "$q" "$p" "$f" "$k" "$e" "$u" "$l" "$t" "$cr" "$rss" "$ld" "$v" >&2
        done
done
echo "summaries in $out_dir" >&2
exit "$ok"
