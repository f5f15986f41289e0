#!/bin/sh
# The build cost of the two optimised Cargo profiles, as a student meets it: in a fresh student
# edition, after the debug build (`cargo run`, `cargo test -p checks`) has been made, the CPU
# time (user + sys, every rustc included) and the wall time of
#
#   cargo build --release -p starter          what the student builds to measure CPU per request
#   cargo build --profile deploy -p starter   what the image runs and the kit measures
#
# Usage: scripts/measure-build-profiles.sh [--answer] [--fresh-cargo-home]
#
#   --answer            put the lab's answer (solution/'s telemetry) into the edition's starter
#                       first, as a student has it when measuring
#   --fresh-cargo-home  the edition's builds with an empty CARGO_HOME of their own (a download
#                       of every crate, once): `cargo fetch --locked`, then every build offline,
#                       with no `cargo add`. With --answer, this proves that the crates the answer
#                       uses are locked in the edition.
#
# Everything is built in a target folder of its own inside the export (the shared one is left
# alone), and the export is deleted at the end. Needs /usr/bin/time (Debian: `time`). About
# 15 minutes of CPU on a 2-CPU machine; docs/handout.md, "Back-of-the-envelope capacity",
# records a run.
set -eu

answer=false
fresh=false
for option in "$@"; do
    case "$option" in
        --answer) answer=true ;;
        --fresh-cargo-home) fresh=true ;;
        *) echo "usage: $0 [--answer] [--fresh-cargo-home]" >&2; exit 2 ;;
    esac
done
[ -x /usr/bin/time ] || { echo "$0: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

kit=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/taskoverflow-build-profiles.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
edition="$work/edition"

say() { printf '[build-profiles %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

say "exporting the student edition to $edition"
(cd "$kit" && cargo run --quiet --locked -p xtask -- student-repo "$edition") >/dev/null
# The students' repository is the export's template/ (the rest is the platforms' grading sides).
cd "$edition/template"
export CARGO_TARGET_DIR="$edition/target-measure"
if $fresh; then
    export CARGO_HOME="$work/cargo-home"
    mkdir "$CARGO_HOME"
fi
unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_PROFILE_RELEASE_LTO CARGO_PROFILE_RELEASE_CODEGEN_UNITS

say "cargo fetch --locked (CARGO_HOME=${CARGO_HOME:-$HOME/.cargo})"
cargo fetch --locked --quiet
if $answer; then
    say "the lab's answer: solution/src/telemetry* into the edition's starter/src"
    rm -rf starter/src/telemetry.rs starter/src/telemetry
    cp -R "$kit/solution/src/telemetry.rs" "$kit/solution/src/telemetry" starter/src/
fi

say "the debug build first (cargo build --offline --locked -p starter)"
cargo build --offline --locked --quiet -p starter

# One timed build: its CPU seconds (user + sys) and wall seconds, on one line.
timed() {
    name=$1
    shift
    say "$*"
    /usr/bin/time -f '%U %S %e' -o "$work/$name.time" "$@"
    read -r user sys wall <"$work/$name.time"
    cpu=$(echo "$user + $sys" | bc)
    printf '%s %s %s\n' "$name" "$cpu" "$wall" >>"$work/results"
}
timed release cargo build --offline --locked --quiet --release -p starter
timed deploy cargo build --offline --locked --quiet --profile deploy -p starter

release_cpu=$(awk '$1 == "release" { print $2 }' "$work/results")
deploy_cpu=$(awk '$1 == "deploy" { print $2 }' "$work/results")
model=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
echo "date          $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine       ${model:-unknown CPU}, $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "toolchain     $(rustc --version)"
echo "edition       starter $(if $answer; then echo 'with the lab'"'"'s answer'; else echo 'as handed out'; fi), after its debug build$(if $fresh; then echo ', from an empty CARGO_HOME: fetch --locked, builds --offline'; fi)"
awk '{ printf "%-13s %6.0f s CPU (user + sys), %4.0f s wall\n", "--" ($1 == "release" ? "release" : "profile " $1), $2, $3 }' "$work/results"
echo "ratio         release / deploy CPU = $(echo "scale=2; $release_cpu / $deploy_cpu" | bc)"
