#!/usr/bin/env bash
# Build (or reuse) taskoverflow/runtime:bookworm: Debian bookworm minbase + ca-certificates, made with
# debootstrap and `docker import` (no image registry needed). It runs a host-built Rust binary of
# the kit in a container, for example with CPU and memory limits for the load tests:
#
#   image=$(scripts/build-runtime-image.sh)
#   docker run --rm --cpus 0.25 --memory 512m -v "$PWD/target/deploy/solution:/usr/local/bin/app:ro" \
#       -e DATABASE_URL=... -p 6400:6400 "$image" /usr/local/bin/app
#
# The binary must be built on a glibc no newer than bookworm's (2.36), e.g. on this Debian host.
# Usage: scripts/build-runtime-image.sh [TAG]; same reuse rules and output as build-postgres-image.sh.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/build-postgres-image.sh" --runtime "$@"
