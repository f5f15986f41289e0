#!/usr/bin/env bash
# Measures how long a warm `cargo test -p checks` takes (what a student waits for), for both
# targets, and prints the machine it ran on. The figure in docs/tutor.md comes from this script.
#
#   scripts/measure-checks.sh            # needs Docker, moto_server and (without a registry)
#                                        # CHECKS_POSTGRES_IMAGE, as for the checks themselves
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"

# Warm-up: compile everything once, so that the timed runs measure grading, not compiling.
# The solution is graded with the solved k6 script and task size (README.md, "Tutors").
export CHECKS_K6_SCRIPT= CHECKS_TFVARS=
solution=(CHECKS_K6_SCRIPT=k6/solved/planners-and-studiers.js CHECKS_TFVARS=terraform/solved/task-size.auto.tfvars)
env "${solution[@]}" CHECKS_TARGET=solution cargo test -p checks --locked >/dev/null 2>&1 || true
cargo test -p checks --locked >/dev/null 2>&1 || true

for target in starter solution; do
    start=$(date +%s%N)
    extra=()
    if [ "$target" = solution ]; then extra=("${solution[@]}"); fi
    env "${extra[@]}" CHECKS_TARGET=$target cargo test -p checks --locked >/dev/null 2>&1 || true
    ms=$((($(date +%s%N) - start) / 1000000))
    printf 'warm cargo test -p checks, CHECKS_TARGET=%s: %d.%d s\n' "$target" $((ms / 1000)) $((ms % 1000 / 100))
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
