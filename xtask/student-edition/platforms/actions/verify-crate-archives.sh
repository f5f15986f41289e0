#!/usr/bin/env bash
# Keeps only the crate archives in Cargo's download cache that the given Cargo.lock vouches for:
# an archive whose name-version the lock lists with the same sha256 stays, any other is removed
# (Cargo then downloads it again and checks it itself). Cargo does not check an archive it finds
# in its cache, and a cache restored in a student's repository may have been written by that
# repository's own workflow. Unpacked sources are removed too, so that Cargo unpacks every
# crate it builds from a checked archive.
#
#   verify-crate-archives.sh Cargo.lock     (Cargo's home: $CARGO_HOME, default ~/.cargo)
set -euo pipefail
lock=${1:?usage: verify-crate-archives.sh Cargo.lock}
registry=${CARGO_HOME:-$HOME/.cargo}/registry
[ -f "$lock" ] || { echo "no such lock file: $lock" >&2; exit 2; }

expected=$(mktemp)
trap 'rm -f "$expected"' EXIT
# name, version and checksum of each [[package]] from a registry: "<sha256> <name>-<version>.crate"
awk '
    /^\[\[package\]\]/ { name = ""; version = "" }
    /^name = /         { name = $3; gsub(/"/, "", name) }
    /^version = /      { version = $3; gsub(/"/, "", version) }
    /^checksum = /     { sum = $3; gsub(/"/, "", sum); print sum, name "-" version ".crate" }
' "$lock" >"$expected"

kept=0
removed=0
for archive in "$registry"/cache/*/*.crate; do
    [ -e "$archive" ] || continue
    name=${archive##*/}
    want=$(awk -v file="$name" '$2 == file { print $1; exit }' "$expected")
    have=$(sha256sum "$archive" | cut -d' ' -f1)
    if [ -n "$want" ] && [ "$have" = "$want" ]; then
        kept=$((kept + 1))
    else
        if [ -n "$want" ]; then why="its sha256 is not the lock's"; else why="not in the lock"; fi
        echo "removed $name ($why)"
        rm -f "$archive"
        removed=$((removed + 1))
    fi
done
rm -rf "$registry/src"
echo "crate archives: $kept kept, $removed removed"
