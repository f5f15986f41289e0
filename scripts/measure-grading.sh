#!/usr/bin/env bash
# A student's first `cargo test -p checks`: exports the student edition (cargo xtask
# student-repo) into a new folder and times the command there, with the export's own empty
# target/ folder: cold (compiling the grader and the app, then grading), then warm (grading
# only). The crates themselves come from the local Cargo cache, not the network. The first-run
# figures in docs/tutor.md come from this script.
#
#   scripts/measure-grading.sh [FOLDER]   # FOLDER must not exist; default: a temporary one
#
# Needs what the checks need: Docker, k6, moto_server and, without a registry,
# CHECKS_POSTGRES_IMAGE. The untouched starter fails the lab tasks, so the command fails: the
# script reports its score and time, not its exit status.
set -euo pipefail
kit=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-$(mktemp -d)/taskoverflow-assignment}

cargo run --quiet --locked --manifest-path "$kit/Cargo.toml" -p xtask -- student-repo "$dir"
cd "$dir/template"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "$(cargo --version), export in $dir"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"

mkdir -p target
TIMEFORMAT='%R %U %S' # wall, user CPU, system CPU (seconds), the children's included
for run in cold warm; do
    echo "load before the $run run: $(cut -d' ' -f1-3 /proc/loadavg)"
    { time env -u CARGO_TARGET_DIR cargo test -p checks >"target/measure-$run.log" 2>&1 || true; } 2>target/time
    read -r wall user sys <target/time
    score=$(grep -o 'Score: [0-9]*/[0-9]*' "target/measure-$run.log" || echo 'no score')
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
    echo "$run cargo test -p checks: $wall s wall, $cpu s CPU ($score)"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
# The grader builds the app during the run (src/target.rs); any library that build compiled is
# newer than the grader's test binary. The one build is shared when this list is empty.
lab=$(find target/debug/deps -name 'lab-*' -type f ! -name '*.d' | head -n 1)
again=$(find target/debug/deps -name '*.rlib' -newer "$lab" -printf '%f ')
echo "libraries the grader's build of the app compiled again: ${again:-none}"
