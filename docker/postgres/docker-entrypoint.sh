#!/usr/bin/env bash
# Entrypoint of taskoverflow/postgres (scripts/build-postgres-image.sh). It follows the interface
# of the official postgres image for what the kit uses:
#
#   POSTGRES_PASSWORD           superuser password; required unless POSTGRES_HOST_AUTH_METHOD=trust
#   POSTGRES_USER               superuser name (default postgres)
#   POSTGRES_DB                 database created at first start (default: POSTGRES_USER)
#   POSTGRES_HOST_AUTH_METHOD   auth for TCP connections from any host (default scram-sha-256)
#   POSTGRES_INITDB_ARGS        extra initdb arguments
#   *_FILE variants of the first three read the value from a file (Docker secrets)
#   /docker-entrypoint-initdb.d/*.sql and *.sh run once, right after the first initdb
#
# Arguments: `docker run IMAGE -c fsync=off -c max_connections=200` runs postgres with those
# options; any other command is run as is.
#
# First start with an empty PGDATA: initdb (no fsync), then a temporary server on the Unix socket
# only creates the database and runs the init scripts (its log goes to stdout, as in the official
# image), then the real server runs in the foreground as user postgres, logging to stderr
# ("database system is ready to accept connections").
set -Eeuo pipefail

log() { printf '%s [entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$*"; }
die() {
    log "ERROR: $*" >&2
    exit 1
}

# Only options given: they are options for postgres.
if [ "$#" -eq 0 ] || [ "${1:0:1}" = - ]; then
    set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
    exec "$@"
fi
# Options that only print something (postgres --version, --help) need no cluster.
for arg; do
    case "$arg" in
        -V | --version | '-?' | --help | --describe-config)
            exec "$@"
            ;;
    esac
done

export PGDATA=${PGDATA:-/var/lib/postgresql/data}

# As root: prepare the directories, then run this script again as postgres.
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chmod 0700 "$PGDATA" || :
    chmod 3777 /var/run/postgresql
    find "$PGDATA" /var/run/postgresql -not -user postgres -exec chown postgres:postgres {} +
    export HOME=/var/lib/postgresql
    if command -v setpriv >/dev/null 2>&1; then
        exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
    fi
    exec runuser -u postgres -- "${BASH_SOURCE[0]}" "$@"
fi

# VAR_FILE=path sets VAR from the file's content (VAR and VAR_FILE together are an error).
file_env() {
    local var=$1 default=${2:-} file_var="${1}_FILE"
    if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
        die "both $var and $file_var are set; use one of them"
    fi
    local value=$default
    if [ -n "${!var:-}" ]; then
        value=${!var}
    elif [ -n "${!file_var:-}" ]; then
        value=$(<"${!file_var}")
    fi
    export "$var"="$value"
    unset "$file_var"
}

initialise() {
    file_env POSTGRES_PASSWORD
    file_env POSTGRES_USER postgres
    file_env POSTGRES_DB "$POSTGRES_USER"
    local auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}

    if [ -z "$POSTGRES_PASSWORD" ] && [ "$auth" != trust ]; then
        cat >&2 <<'EOF'
Error: the database is not initialised and no superuser password is set.
  Set POSTGRES_PASSWORD (for example: docker run -e POSTGRES_PASSWORD=secret ...), or, only for
  throw-away local setups, POSTGRES_HOST_AUTH_METHOD=trust to allow connections without a password.
EOF
        exit 1
    fi
    if [ "$auth" = trust ]; then
        log "WARNING: POSTGRES_HOST_AUTH_METHOD=trust: anyone who can reach port 5432 can log in"
    fi

    log "initialising a new cluster in $PGDATA"
    local -a initdb_args=(
        --username="$POSTGRES_USER"
        --encoding=UTF8 --locale=C.UTF-8
        --auth-local=trust --auth-host=trust
        --no-sync --no-instructions
    )
    # shellcheck disable=SC2206 # word splitting is intended, as in the official image
    initdb_args+=(${POSTGRES_INITDB_ARGS:-})
    if [ -n "$POSTGRES_PASSWORD" ]; then
        initdb "${initdb_args[@]}" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD")
    else
        initdb "${initdb_args[@]}"
    fi

    # Listen on all interfaces; password (or trust) authentication from any host.
    printf "\n# added by docker-entrypoint.sh\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
    printf '\n# added by docker-entrypoint.sh: connections from any host\nhost all all all %s\n' \
        "$auth" >>"$PGDATA/pg_hba.conf"

    # Temporary server: Unix socket only, with the same options as the real one (e.g. fsync=off).
    shift # "postgres"
    local opts="-c listen_addresses='' -p 5432"
    if [ "$#" -gt 0 ]; then opts="$(printf '%q ' "$@")$opts"; fi
    PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -o "$opts" -w -t 60 start
    local -a psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --username "$POSTGRES_USER")

    if [ "$POSTGRES_DB" != postgres ]; then
        log "creating database $POSTGRES_DB"
        "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" -q <<<'CREATE DATABASE :"db";'
    fi

    local f
    for f in /docker-entrypoint-initdb.d/*; do
        [ -e "$f" ] || continue
        case "$f" in
            *.sh)
                log "running $f"
                if [ -x "$f" ]; then "$f"; else
                    # shellcheck disable=SC1090
                    . "$f"
                fi
                ;;
            *.sql)
                log "running $f"
                "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f"
                ;;
            *) log "ignoring $f" ;;
        esac
    done

    PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -m fast -w stop
    log "init process complete; starting PostgreSQL"
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    initialise "$@"
else
    log "PGDATA already holds a cluster: skipping initialisation"
fi

exec "$@"
