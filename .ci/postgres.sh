#!/usr/bin/env bash
# Start a local PostgreSQL for the backend tests and print the DATABASE_URL to use.
#
#   export DATABASE_URL="$(bash .ci/postgres.sh | tail -1)"
#
# Debian, as root (or with sudo). Installs Debian's postgresql package if missing, starts the
# cluster, creates the role and database, waits until that role can log in over TCP. Idempotent.
# Only the URL goes to stdout, on the last line; everything else goes to stderr.
# Settings: BACKEND_PG_USER, BACKEND_PG_PASSWORD, BACKEND_PG_DB, BACKEND_PG_TIMEOUT (seconds).
set -euo pipefail

PG_USER="${BACKEND_PG_USER:-backend}"
PG_PASSWORD="${BACKEND_PG_PASSWORD:-backend}"
PG_DB="${BACKEND_PG_DB:-backend_test}"
TIMEOUT="${BACKEND_PG_TIMEOUT:-60}"

exec </dev/null

log() { echo "postgres.sh: $*" >&2; }

if [ "$(id -u)" -eq 0 ]; then
    as_root() { "$@"; }
else
    as_root() { sudo -n "$@"; }
fi

# runs as the postgres superuser from /, which it can always enter
as_postgres() { (cd / && as_root runuser -u postgres -- "$@"); }

# the newest PostgreSQL server installed, e.g. 15; empty if none
installed_version() {
    local server
    for server in /usr/lib/postgresql/*/bin/postgres; do
        if [ -x "$server" ]; then
            basename "$(dirname "$(dirname "$server")")"
        fi
    done | sort -n | tail -1
}

install_postgres() {
    log "installing PostgreSQL from Debian's packages"
    as_root apt-get update -q
    # a package script may start the server: keep it off our descriptors
    without_inherited_fds as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q postgresql
}

# The server inherits every open descriptor beyond stdin, stdout and stderr (which pg_ctl points
# at its log). One that is a caller's pipe, as in `$(bash .ci/postgres.sh | tail -1)`, would keep
# that caller waiting for end of file for as long as the server runs.
without_inherited_fds() (
    for fd in /proc/"$BASHPID"/fd/*; do
        fd="${fd##*/}"
        if [ "$fd" -gt 2 ]; then
            eval "exec $fd>&-"
        fi
    done
    "$@"
)

# prints "PORT STATUS" of the cluster $1/main, creating the cluster if there is none
cluster_port_status() {
    local version="$1"
    if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
        log "creating cluster $version/main"
        as_root pg_createcluster "$version" main >&2
    fi
    pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3, $4 }'
}

wait_for() {
    local what="$1"
    shift
    local deadline=$((SECONDS + TIMEOUT))
    until "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "gave up after ${TIMEOUT}s waiting for $what"
            "$@" || true
            return 1
        fi
        sleep 1
    done
}

create_role_and_database() {
    as_postgres psql -v ON_ERROR_STOP=1 -q -d postgres -p "$PORT" <<SQL
SELECT format('CREATE ROLE %I LOGIN', '$PG_USER')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER')\gexec
ALTER ROLE $PG_USER WITH LOGIN PASSWORD '$PG_PASSWORD';
SELECT format('CREATE DATABASE %I OWNER %I', '$PG_DB', '$PG_USER')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB')\gexec
SQL
}

can_log_in() {
    PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=5 psql -h 127.0.0.1 -p "$PORT" -U "$PG_USER" \
        -d "$PG_DB" -w -q -A -t -c 'SELECT 1'
}

main() {
    # Kept to characters that need no quoting in SQL or escaping in the URL.
    case "$PG_USER$PG_DB$PG_PASSWORD" in
        *[!a-z0-9_]*)
            log "BACKEND_PG_USER, BACKEND_PG_DB and BACKEND_PG_PASSWORD may only hold a-z, 0-9 and _"
            return 2
            ;;
    esac
    if [ -z "$PG_USER" ] || [ -z "$PG_DB" ] || [ -z "$PG_PASSWORD" ]; then
        log "BACKEND_PG_USER, BACKEND_PG_DB and BACKEND_PG_PASSWORD must not be empty"
        return 2
    fi

    VERSION="$(installed_version)"
    if [ -z "$VERSION" ]; then
        install_postgres
        VERSION="$(installed_version)"
    fi
    log "PostgreSQL $VERSION"

    CLUSTER="$(cluster_port_status "$VERSION")"
    read -r PORT STATUS <<<"$CLUSTER"
    case "$STATUS" in
        online*) log "cluster $VERSION/main already running on port $PORT" ;;
        *)
            log "starting cluster $VERSION/main on port $PORT"
            without_inherited_fds as_root pg_ctlcluster "$VERSION" main start
            ;;
    esac
    wait_for "the server on port $PORT" pg_isready -q -h 127.0.0.1 -p "$PORT"

    create_role_and_database
    wait_for "$PG_USER to log in to $PG_DB" can_log_in
    log "ready: database $PG_DB, role $PG_USER, 127.0.0.1:$PORT"
}

# Only the URL goes to stdout.
main >&2
echo "postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PORT/$PG_DB"
