#!/bin/sh
# A throw-away PostgreSQL (+PostGIS) cluster for the test suite, on a free loopback port.
#   sh tests/pg_cluster.sh start DIR   -> initdb in DIR, start it, print its URL (also DIR/url)
#   sh tests/pg_cluster.sh stop DIR    -> stop it and remove DIR
# Uses Debian's server binaries (/usr/lib/postgresql/<major>/bin; PGBIN overrides). initdb refuses
# to run as root, so as root (CI) the server runs as the `postgres` user the package creates.
# Trust authentication is safe here: the server listens on 127.0.0.1 and a private socket dir only.
set -eu
cmd=${1:?usage: pg_cluster.sh start|stop DIR}
dir=${2:?usage: pg_cluster.sh start|stop DIR}
if [ "$cmd" = stop ] && [ ! -d "$dir/data" ]; then  # nothing was started: just tidy up
    rm -rf "$dir"
    exit 0
fi
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
    echo "pg_cluster: no PostgreSQL server binaries (Debian package postgresql)" >&2
    exit 1
fi
if [ "$(id -u)" = 0 ]; then as="runuser -u postgres --"; else as=""; fi

case $cmd in
start)
    mkdir -p "$dir"
    if [ -n "$as" ]; then chown postgres "$dir"; fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    $as "$PGBIN/initdb" -D "$dir/data" -U shudao --auth=trust -E UTF8 --locale=C.UTF-8 \
        > "$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    $as "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50" \
        start > /dev/null || { cat "$dir/server.log" >&2; exit 1; }
    $as "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U shudao shudao_test
    url="postgresql://shudao@127.0.0.1:$port/shudao_test"
    echo "$url" > "$dir/url"
    echo "$url"
    ;;
stop)
    if [ -d "$dir/data" ]; then $as "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null || true; fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: pg_cluster.sh start|stop DIR" >&2
    exit 64
    ;;
esac
