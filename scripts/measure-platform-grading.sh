#!/usr/bin/env bash
# A Classroom 50 grading of the untouched template, timed: exports the student edition, clones its
# template as a student's checkout, and runs classroom50/autograder.py there twice with the
# runner's variables set, first with TARGET (default: a new, empty target folder: cold, compiling
# the grader and the app's dependencies), then again (warm: the grading only). Prints the
# machine, its load before each run, and each run's wall and CPU time (children included). The
# tutor guide's figures for a grading come from this script.
#
#   scripts/measure-platform-grading.sh [TARGET]
#
# Needs what the checks need: Docker (or CHECKS_POSTGRES_IMAGE / CHECKS_DATABASE_URL), k6,
# moto_server, python3.
set -euo pipefail
kit=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target=${1:-$work/target}

cargo run --quiet --locked --manifest-path "$kit/Cargo.toml" -p xtask -- student-repo "$work/edition" 2>/dev/null
git clone --quiet "$work/edition/template" "$work/student"
sha=$(git -C "$work/student" rev-parse HEAD)

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "$(cargo --version), target folder $target"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
TIMEFORMAT='%R %U %S'
for run in first second; do
    echo "load before the $run run: $(cut -d' ' -f1-3 /proc/loadavg)"
    { time (cd "$work/student" && env CARGO_TARGET_DIR="$target" RUNNER_TEMP="$work/runner-$run" \
        CLASSROOM=lab ASSIGNMENT=taskoverflow SUBMISSION_TAG="submit/measure-${sha:0:7}" \
        COMMIT_URL="https://github.invalid/commit/$sha" RELEASE_URL=https://github.invalid/release \
        USERNAME=measure python3 "$work/edition/classroom50/autograder.py" >"$work/$run.log" 2>&1); } 2>"$work/time"
    read -r wall user sys <"$work/time"
    score=$(grep -o 'Score: [0-9]*/[0-9]*' "$work/$run.log" || echo 'no score')
    echo "$run grading: $wall s wall, $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') s CPU ($score)"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
