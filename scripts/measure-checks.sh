#!/usr/bin/env bash
# Measures how long a warm grading takes (what a student waits for), of the handed-out files and
# of the lab's answer, and prints the machine it ran on. The figure in docs/tutor.md comes from this script.
#
#   scripts/measure-checks.sh            # needs Docker, moto_server and (without a registry)
#                                        # CHECKS_POSTGRES_IMAGE, as for the checks themselves
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"

# Warm-up: compile everything once, so that the timed runs measure grading, not compiling.
# `cargo xtask grade` grades the handed-out files, `--solved` the lab's answer (README.md, "Tutors").
cargo xtask grade >/dev/null 2>&1 || true
cargo xtask grade --solved >/dev/null 2>&1 || true

for which in untouched solved; do
    start=$(date +%s%N)
    flags=()
    if [ "$which" = solved ]; then flags=(--solved); fi
    cargo xtask grade "${flags[@]}" >/dev/null 2>&1 || true
    ms=$((($(date +%s%N) - start) / 1000000))
    printf 'warm cargo xtask grade, %s: %d.%d s\n' "$which" $((ms / 1000)) $((ms % 1000 / 100))
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
