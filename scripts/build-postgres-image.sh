#!/usr/bin/env bash
# Build (or reuse) the kit's local container images from Debian packages, without any image
# registry (the CI machine cannot pull images; see docs and .ci/run).
#
#   scripts/build-postgres-image.sh [TAG]            PostgreSQL 15 server, like the official image
#                                                    (default tag taskoverflow/postgres:15-bookworm)
#   scripts/build-postgres-image.sh --runtime [TAG]  slim runtime base: Debian minbase + ca-certificates
#                                                    (default tag taskoverflow/runtime:bookworm);
#                                                    scripts/build-runtime-image.sh does the same
#
# How: debootstrap a minbase bookworm root file system, apt-get the packages into it in a chroot
# (no recommends, docs and apt caches removed), `docker import` it, and for PostgreSQL add
# docker/postgres/{Dockerfile,docker-entrypoint.sh} with `docker build` on that local base
# (TAG-base). Building the PostgreSQL image also imports taskoverflow/runtime:bookworm on the way
# when that one is missing or outdated (it is the same root file system before PostgreSQL).
#
# Reuse: if TAG exists it is reused and the script exits at once. An image this script built
# carries the label taskoverflow.recipe (a hash of this script and docker/postgres/); when the
# recipe changed since, the image is rebuilt. An image without that label (for instance the official
# postgres:15 retagged by hand) is always reused. TASKOVERFLOW_REBUILD_IMAGES=1 forces a rebuild.
#
# Progress goes to stderr; the tag is the only thing printed on stdout, so
#   image=$(scripts/build-postgres-image.sh)
# works. Needs root (debootstrap, chroot); re-runs itself with sudo when it can.
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), DEBIAN_SECURITY_MIRROR
# (default http://deb.debian.org/debian-security), TASKOVERFLOW_REBUILD_IMAGES,
# TASKOVERFLOW_IMAGE_TMPFS=0 (build on disk, not in RAM).
set -euo pipefail

SUITE=bookworm
PG_MAJOR=15
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONTEXT_DIR=$REPO_ROOT/docker/postgres
SELF=$REPO_ROOT/scripts/build-postgres-image.sh

kind=postgres
if [ "${1:-}" = --runtime ]; then
    kind=runtime
    shift
fi
case "${1:-}" in
    -h | --help)
        sed -n '2,/^set -euo/p' "$SELF" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
esac
DEFAULT_RUNTIME_TAG=taskoverflow/runtime:bookworm
if [ "$kind" = postgres ]; then
    TAG=${1:-taskoverflow/postgres:15-bookworm}
else
    TAG=${1:-$DEFAULT_RUNTIME_TAG}
fi

log() { printf '[build-image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

# ---------------------------------------------------------------------------------------------
# Reuse by tag.

recipe_hash() {
    # The recipe of an image: this script (without comment lines), plus the docker build context
    # for PostgreSQL.
    {
        grep -v '^[[:space:]]*#' "$SELF"
        if [ "$1" = postgres ]; then
            find "$CONTEXT_DIR" -type f -print0 | LC_ALL=C sort -z | xargs -0 cat
        fi
    } | sha256sum | cut -c1-16
}

image_recipe() {
    # Prints the image's taskoverflow.recipe label ("" if none); fails if the image is missing.
    docker image inspect -f '{{ with .Config.Labels }}{{ index . "taskoverflow.recipe" }}{{ end }}' "$1" 2>/dev/null
}

# Succeeds if $1 exists and may be reused for recipe $2.
reusable() {
    local have
    have=$(image_recipe "$1") || return 1
    if [ "${TASKOVERFLOW_REBUILD_IMAGES:-0}" = 1 ]; then
        log "$1 exists, but TASKOVERFLOW_REBUILD_IMAGES=1: rebuilding"
        return 1
    fi
    if [ -n "$have" ] && [ "$have" != "$2" ]; then
        log "$1 exists, but was built from an older recipe ($have, now $2): rebuilding"
        return 1
    fi
    return 0
}

command -v docker >/dev/null || die "docker is not installed"
docker info >/dev/null 2>&1 || die "cannot talk to the Docker engine (is it running? are you allowed to use it?)"

RECIPE=$(recipe_hash "$kind")
if reusable "$TAG" "$RECIPE"; then
    log "reusing existing image $TAG"
    echo "$TAG"
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# Build. Root is needed from here on.

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        log "not root: re-running with sudo"
        args=()
        [ "$kind" = runtime ] && args+=(--runtime)
        exec sudo --preserve-env=DEBIAN_MIRROR,DEBIAN_SECURITY_MIRROR,TASKOVERFLOW_REBUILD_IMAGES,TASKOVERFLOW_IMAGE_TMPFS \
            bash "$SELF" "${args[@]}" "$TAG"
    fi
    if image_recipe "$TAG" >/dev/null; then
        log "WARNING: cannot rebuild $TAG without root; using the existing, older image"
        echo "$TAG"
        exit 0
    fi
    die "building $TAG needs root (debootstrap and chroot); run this script as root"
fi

# One build at a time on this machine (two test runs may ask for the image at once); whoever gets
# the lock second reuses what the first one built.
lock=/run/lock/taskoverflow-image-build.lock
[ -d /run/lock ] || lock=/tmp/taskoverflow-image-build.lock
exec 9>"$lock"
if ! flock -n 9; then
    log "another build is running, waiting for it (lock $lock)"
    flock -w 3600 9 || die "timed out waiting for $lock"
fi
if [ "${TASKOVERFLOW_REBUILD_IMAGES:-0}" != 1 ] && reusable "$TAG" "$RECIPE" 2>/dev/null; then
    log "reusing $TAG, built meanwhile by another run"
    echo "$TAG"
    exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || log "apt-get update reported errors, trying the install anyway"
    apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends debootstrap >&2
fi

# Without buildx the Docker CLI must use the classic builder (it also always sees local images).
if ! docker buildx version >/dev/null 2>&1; then
    export DOCKER_BUILDKIT=0
fi

WORK=$(mktemp -d /var/tmp/taskoverflow-image.XXXXXX)
ROOTFS=$WORK/rootfs
# Build in RAM when there is room: dpkg's many fsyncs and removing the tree afterwards are slow on
# some disks (TASKOVERFLOW_IMAGE_TMPFS=0 builds on disk under /var/tmp instead).
mem_avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo 2>/dev/null || echo 0)
if [ "${TASKOVERFLOW_IMAGE_TMPFS:-1}" = 1 ] && [ "${mem_avail_kb:-0}" -gt $((3 * 1024 * 1024)) ] &&
    mount -t tmpfs -o size=2g,mode=0755 taskoverflow-image-build "$WORK" 2>/dev/null; then
    log "building in a tmpfs at $WORK"
fi

cleanup() {
    local rc=$?
    for m in "$ROOTFS/proc" "$ROOTFS/sys" "$ROOTFS/dev/pts"; do
        if mountpoint -q "$m" 2>/dev/null; then umount -l "$m" || true; fi
    done
    # --one-file-system: never follow a mount that is still attached into the host.
    if mountpoint -q "$WORK" 2>/dev/null; then umount "$WORK" || umount -l "$WORK" || true; fi
    rm -rf --one-file-system "$WORK" 2>/dev/null || log "could not remove $WORK"
    if [ "$rc" -ne 0 ]; then log "FAILED after $SECONDS s"; fi
}
trap cleanup EXIT

# Runs a command inside the root file system with a clean environment.
in_rootfs() {
    chroot "$ROOTFS" /usr/bin/env -i \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
        "$@"
}

bootstrap_rootfs() {
    log "debootstrap --variant=minbase $SUITE from $MIRROR (log: $WORK/debootstrap.log)"
    local t0=$SECONDS
    if ! debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
        tail -n 30 "$WORK/debootstrap.log" >&2
        [ -f "$ROOTFS/debootstrap/debootstrap.log" ] && tail -n 30 "$ROOTFS/debootstrap/debootstrap.log" >&2
        die "debootstrap failed"
    fi
    chmod 0755 "$ROOTFS"
    log "debootstrap done in $((SECONDS - t0)) s"

    # apt and dpkg settings for a small image: no recommends, no docs/man pages/translations.
    cat >"$ROOTFS/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
    cat >"$ROOTFS/etc/apt/apt.conf.d/90taskoverflow" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
    cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/90taskoverflow-slim" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-exclude=/usr/share/lintian/*
path-exclude=/usr/share/linda/*
EOF
}

APT_READY=0
apt_in_rootfs() {
    local t0=$SECONDS out=$WORK/apt.log
    log "apt-get install in the root file system: $* (log: $out)"
    if [ "$APT_READY" = 0 ]; then
        # Do not let package scripts start services inside the chroot.
        printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"
        chmod 0755 "$ROOTFS/usr/sbin/policy-rc.d"
        cp -L /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
        mountpoint -q "$ROOTFS/proc" || mount -t proc proc "$ROOTFS/proc"
        if ! {
            in_rootfs apt-get update -q && in_rootfs apt-get -y -q -o Dpkg::Use-Pty=0 upgrade
        } >>"$out" 2>&1; then
            tail -n 40 "$out" >&2
            die "apt-get update/upgrade in the root file system failed"
        fi
        APT_READY=1
    fi
    if ! in_rootfs apt-get -y -q -o Dpkg::Use-Pty=0 install "$@" >>"$out" 2>&1; then
        tail -n 40 "$out" >&2
        die "apt-get install in the root file system failed"
    fi
    log "apt-get done in $((SECONDS - t0)) s"
}

slim_rootfs() {
    in_rootfs apt-get clean
    rm -f "$ROOTFS/usr/sbin/policy-rc.d"
    umount "$ROOTFS/proc"
    APT_READY=0
    rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
        "$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/var/lib/dpkg/*-old \
        "$ROOTFS"/var/log/apt "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/alternatives.log \
        "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* "$ROOTFS"/usr/share/locale/* \
        "$ROOTFS"/usr/share/lintian "$ROOTFS"/tmp/* "$ROOTFS"/var/tmp/* "$ROOTFS"/root/.cache \
        "$ROOTFS"/debootstrap
    # Packages unpacked by debootstrap itself still have their docs: keep only the copyrights.
    find "$ROOTFS/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
    find "$ROOTFS/usr/share/doc" -mindepth 1 -type d -empty -delete
    : >"$ROOTFS/etc/resolv.conf"
    echo localhost >"$ROOTFS/etc/hostname"
}

# Removes the image a rebuilt tag pointed to before, unless a container still uses it.
REPLACED_IMAGES=()
remember_old_image() {
    local id
    if id=$(docker image inspect -f '{{.Id}}' "$1" 2>/dev/null); then REPLACED_IMAGES+=("$id"); fi
}
remove_replaced_images() {
    local i id
    # Newest first: an old PostgreSQL image has to go before the old base it was built on.
    for ((i = ${#REPLACED_IMAGES[@]} - 1; i >= 0; i--)); do
        id=${REPLACED_IMAGES[i]}
        if [ -z "$(docker image inspect -f '{{join .RepoTags ","}}' "$id" 2>/dev/null)" ]; then
            docker rmi "$id" >/dev/null 2>&1 || true
        fi
    done
}

import_rootfs() { # import_rootfs TAG RECIPE [--change ...]
    local tag=$1 recipe=$2
    shift 2
    remember_old_image "$tag"
    local t0=$SECONDS
    log "docker import -> $tag ($(du -sh --apparent-size "$ROOTFS" | cut -f1) uncompressed)"
    tar --numeric-owner -C "$ROOTFS" -cf - . |
        docker import \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'ENV LANG=C.UTF-8' \
            --change "LABEL taskoverflow.recipe=$recipe" \
            --change "LABEL org.opencontainers.image.description=\"Debian $SUITE minbase, built locally by scripts/build-postgres-image.sh\"" \
            "$@" - "$tag" >/dev/null
    log "docker import done in $((SECONDS - t0)) s"
}

RUNTIME_CHANGES=(--change 'CMD ["/bin/bash"]')
if [ "$kind" = runtime ]; then
    bootstrap_rootfs
    apt_in_rootfs ca-certificates
    slim_rootfs
    import_rootfs "$TAG" "$RECIPE" "${RUNTIME_CHANGES[@]}"
else
    case "$TAG" in
        *:*) BASE_TAG=$TAG-base ;;
        *) BASE_TAG=$TAG:base ;;
    esac
    BASE_RECIPE=$(recipe_hash runtime) # the base depends on this script only
    if reusable "$BASE_TAG" "$BASE_RECIPE"; then
        log "reusing base image $BASE_TAG"
    else
        bootstrap_rootfs
        # The PostgreSQL base is the runtime image plus PostgreSQL: import the runtime image on the
        # way when it is missing too, which saves a second debootstrap.
        apt_in_rootfs ca-certificates
        if ! reusable "$DEFAULT_RUNTIME_TAG" "$BASE_RECIPE"; then
            slim_rootfs
            import_rootfs "$DEFAULT_RUNTIME_TAG" "$BASE_RECIPE" "${RUNTIME_CHANGES[@]}"
        fi
        # postgresql-common first, so that installing the server does not create a default cluster.
        apt_in_rootfs postgresql-common
        sed -ri 's/^#?[[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' \
            "$ROOTFS/etc/postgresql-common/createcluster.conf"
        apt_in_rootfs "postgresql-$PG_MAJOR"
        [ -x "$ROOTFS/usr/lib/postgresql/$PG_MAJOR/bin/postgres" ] || die "postgres $PG_MAJOR binary missing"
        [ ! -e "$ROOTFS/var/lib/postgresql/$PG_MAJOR/main" ] || die "a default cluster was created"
        slim_rootfs
        import_rootfs "$BASE_TAG" "$BASE_RECIPE"
    fi
    remember_old_image "$TAG"
    log "docker build $CONTEXT_DIR on $BASE_TAG -> $TAG"
    t0=$SECONDS
    if ! docker build \
        --build-arg "BASE_IMAGE=$BASE_TAG" \
        --label "taskoverflow.recipe=$RECIPE" \
        -t "$TAG" "$CONTEXT_DIR" >"$WORK/docker-build.log" 2>&1; then
        cat "$WORK/docker-build.log" >&2
        die "docker build failed"
    fi
    log "docker build done in $((SECONDS - t0)) s"
fi

remove_replaced_images
log "built $TAG ($(docker image inspect -f '{{.Size}}' "$TAG" | awk '{printf "%.0f MB", $1/1e6}')) in $SECONDS s"
echo "$TAG"
