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
cd "$dir"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "$(cargo --version), export in $dir"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"

mkdir -p target
for run in cold warm; do
    echo "load before the $run run: $(cut -d' ' -f1-3 /proc/loadavg)"
    start=$(date +%s%N)
    env -u CARGO_TARGET_DIR cargo test -p checks >"target/measure-$run.log" 2>&1 || true
    ms=$((($(date +%s%N) - start) / 1000000))
    score=$(grep -o 'Score: [0-9]*/[0-9]*' "target/measure-$run.log" || echo 'no score')
    printf '%s cargo test -p checks: %d.%d s (%s)\n' "$run" $((ms / 1000)) $((ms % 1000 / 100)) "$score"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
# A library built twice (two feature sets) leaves more rlibs than Cargo.lock has versions of it.
twice=$(find target/debug/deps -name 'lib*.rlib' -printf '%f\n' | sed 's/^lib//; s/-[0-9a-f]*\.rlib$//' |
    sort | uniq -c | while read -r n name; do
        [ "$n" -le "$(grep -cE "^name = \"${name//_/[-_]}\"$" Cargo.lock)" ] || echo "$name"
    done)
echo "libraries compiled more than once: $(echo ${twice:-none})"
