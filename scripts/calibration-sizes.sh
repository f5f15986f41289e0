#!/usr/bin/env bash
# What each task size can take (docs/calibration.md, "Choosing the numbers"): for each CPU
# limit, the solution's ceiling (k6 flat out, k6/calibration/flat-out.js) and the solved lab
# script's result at SCALE.
#
#   scripts/calibration-sizes.sh [--scale S] [--cpus "0.25 0.5 1"] [--flat-out-only]
#                                [--out-dir DIR]
#
# Every run goes through scripts/calibrate.sh (memory 2g for all, so that CPU is the only
# difference). Results: DIR/flat-C.json and DIR/lab-C.json (default DIR target/calibration/sizes),
# and a table on stderr.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scale=1
sizes="0.25 0.5 1"
lab=1
out_dir=$REPO_ROOT/target/calibration/sizes
while [ "$#" -gt 0 ]; do
    case "$1" in
        --scale) scale=$2 && shift ;;
        --cpus) sizes=$2 && shift ;;
        --out-dir) out_dir=$2 && shift ;;
        --flat-out-only) lab=0 ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "unknown argument: $1 (see --help)" >&2
            exit 2
            ;;
    esac
    shift
done
mkdir -p "$out_dir"

calibrate() { # calibrate OUT CPUS SCRIPT [k6 args...]
    local out=$1 cpus=$2 script=$3
    shift 3
    echo "== --cpus $cpus $(basename "$script") [load $(cut -d' ' -f1-3 /proc/loadavg)]" >&2
    "$REPO_ROOT/scripts/calibrate.sh" --app solution --cpus "$cpus" --memory 2g \
        --script "$script" --scale "$scale" --out "$out" -- "$@" >"${out%.json}.txt" 2>&1 || true
}

for cpus in $sizes; do
    calibrate "$out_dir/flat-$cpus.json" "$cpus" "$REPO_ROOT/k6/calibration/flat-out.js" \
        -e VUS=20 -e DURATION=20s
    if [ "$lab" = 1 ]; then
        calibrate "$out_dir/lab-$cpus.json" "$cpus" "$REPO_ROOT/k6/solved/planners-and-studiers.js"
    fi
done

row() { # row FILE LABEL
    [ -s "$1" ] || return 0
    jq -r --arg label "$2" '
        [$label, (.cpus | tostring),
         (.k6.metrics.http_reqs.rate | floor | tostring),
         (.k6.metrics.http_req_duration["p(95)"] | . * 10 | round / 10 | tostring),
         ((.app_cpu.used_ms / 1000 / .elapsed_s) * 1000 | round / 1000 | tostring),
         ((if .app_cpu.periods > 0 then .app_cpu.throttled_periods / .app_cpu.periods else 0 end) * 100 | round | tostring) + "%",
         (if .app_cpu.used_ms > 0 then (.app_cpu.used_ms / .k6.metrics.http_reqs.count * 1000 | round | tostring) else "-" end),
         (.k6_exit_code | tostring), (.machine.load_before | split(" ")[0])]
        | @tsv' "$1"
}
{
    printf 'run\tcpus\treq/s\tp95_ms\tapp_cpus_used\tthrottled\tcpu_us_per_req\tk6_exit\tload\n'
    for cpus in $sizes; do
        row "$out_dir/flat-$cpus.json" flat-out
        row "$out_dir/lab-$cpus.json" "lab@$scale"
    done
} | column -t -s $'\t' >&2
echo "summaries in $out_dir" >&2
