#!/bin/bash
# CPU per `GET /api/v1/todos` with 400 todos, for each app binary given: a quick side-by-side of
# two builds of one app (for instance the `release` and `deploy` profiles' starter), where
# `cargo xtask bench` measures one profile at a time with its whole report.
#
# Usage: scripts/measure-request-cpu.sh [--ship] BINARY...
#
# Each binary runs alone on CPU 0 against a fresh database (a container of
# taskoverflow/postgres:15-bookworm, or $POSTGRES_IMAGE, on CPU 1) with 400 todos, without AWS
# credentials (the log shipper discards) or, with --ship, shipping its logs to a moto_server
# (PyPI: `moto[server]`) on CPU 1, as `cargo xtask bench` does; wrk (Debian: `wrk`) on CPU 1
# keeps 20 connections busy for 3 s of warm-up and 10 s measured. CPU per request is the app's
# own CPU time (/proc/PID/stat) over the requests wrk completed. Name a binary more than once
# (A B A B) to measure two builds in alternation on a machine whose speed drifts.
# Needs docker, psql, curl, wrk, taskset.
set -eu
ship=false
if [ "${1:-}" = --ship ]; then ship=true; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [--ship] BINARY..." >&2; exit 2; }
tools="docker psql curl wrk taskset"
if $ship; then tools="$tools moto_server"; fi
for tool in $tools; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is missing" >&2; exit 2; }
done
image=${POSTGRES_IMAGE:-taskoverflow/postgres:15-bookworm}
db=taskoverflow-request-cpu-$$
app=""
moto=""
cleanup() {
    [ -z "$app" ] || kill "$app" 2>/dev/null || true
    [ -z "$moto" ] || kill "$moto" 2>/dev/null || true
    docker rm -f "$db" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM
say() { printf '[request-cpu %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

docker run -d --name "$db" --label taskoverflow.test=1 --cpuset-cpus 1 -e POSTGRES_PASSWORD=pw \
    -e POSTGRES_DB=taskoverflow "$image" -c synchronous_commit=off >/dev/null
# The container's own address, as `cargo xtask bench` uses: a published port would put
# docker-proxy, a process on no particular CPU, between the app and the database.
db_host=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$db")
[ -n "$db_host" ] || { echo "$0: the database container has no address on a Docker network" >&2; exit 1; }
export PGPASSWORD=pw
for _ in $(seq 90); do
    psql -h "$db_host" -U postgres -d taskoverflow -c 'SELECT 1' >/dev/null 2>&1 && break
    sleep 1
done
url=postgres://postgres:pw@$db_host/taskoverflow
port=$((20000 + $$ % 20000))
aws=(AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:9 AWS_CONFIG_FILE=/nonexistent
    AWS_SHARED_CREDENTIALS_FILE=/nonexistent)
if $ship; then
    moto_port=$((port + 1))
    taskset -c 1 moto_server -H 127.0.0.1 -p "$moto_port" >/dev/null 2>&1 &
    moto=$!
    for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$moto_port/" && break
        sleep 0.2
    done
    aws+=(AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_ACCESS_KEY_ID=testing
        AWS_SECRET_ACCESS_KEY=testing)
fi
# The emulator's CPU time stops growing once it has stored what the last app sent.
settle() {
    [ -n "$moto" ] || return 0
    local before after
    before=$(awk '{ print $14 + $15 }' "/proc/$moto/stat")
    while sleep 0.5; do
        after=$(awk '{ print $14 + $15 }' "/proc/$moto/stat")
        [ "$after" != "$before" ] || break
        before=$after
    done
}

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
family=$(lscpu | sed -n 's/^CPU family: *//p' | head -n 1)
model=$(lscpu | sed -n 's/^Model: *//p' | head -n 1)
echo "machine: $cpu (family $family model $model), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
for binary in "$@"; do
    psql -q -h "$db_host" -U postgres -d taskoverflow \
        -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null 2>&1
    say "$binary"
    env -i PATH="$PATH" DATABASE_URL="$url" PORT="$port" RUST_LOG=info AWS_REGION=us-east-1 \
        "${aws[@]}" taskset -c 0 "$binary" >/dev/null 2>&1 &
    app=$!
    for _ in $(seq 150); do
        curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break
        sleep 0.2
    done
    for i in $(seq 400); do
        curl -sf -o /dev/null -X POST -H 'content-type: application/json' \
            -d "{\"title\":\"todo $i\",\"description\":\"something to do, number $i\"}" \
            "http://127.0.0.1:$port/api/v1/todos"
    done
    taskset -c 1 wrk -t1 -c20 -d3s "http://127.0.0.1:$port/api/v1/todos" >/dev/null
    settle
    before=$(awk '{ print $14 + $15 }' "/proc/$app/stat")
    out=$(taskset -c 1 wrk -t1 -c20 -d10s "http://127.0.0.1:$port/api/v1/todos")
    after=$(awk '{ print $14 + $15 }' "/proc/$app/stat")
    requests=$(echo "$out" | awk '/requests in/ { print $1 }')
    ticks=$(getconf CLK_TCK)
    awk -v b="$binary" -v r="$requests" -v t=$((after - before)) -v hz="$ticks" \
        'BEGIN { printf "%-50s %8d requests  %6.0f µs CPU per request\n", b, r, t / hz * 1e6 / r }'
    kill "$app"
    wait "$app" 2>/dev/null || true
    app=""
    settle
done
