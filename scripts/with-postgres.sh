#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing at PostgreSQL.
# Uses the server on 127.0.0.1:5432 (user postgres, trust auth) when one answers; otherwise
# starts a throwaway cluster with initdb/pg_ctl on a free local port and removes it after.
set -euo pipefail
PGHOST_=${PGHOST_OVERRIDE:-127.0.0.1}
PGPORT_=${PGPORT_OVERRIDE:-5432}

answers() { # host port
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$1" -p "$2" -U postgres -t 3
  else
    python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(3)
sys.exit(s.connect_ex((sys.argv[1], int(sys.argv[2]))))
PY
  fi
}

find_pg_bin() {
  local tool=$1
  if command -v "$tool" >/dev/null 2>&1; then command -v "$tool"; return; fi
  ls -d /usr/lib/postgresql/*/bin/"$tool" 2>/dev/null | sort -V | tail -1
}

cleanup() { :; }
trap 'cleanup' EXIT

if answers "$PGHOST_" "$PGPORT_"; then
  echo "PostgreSQL answers on $PGHOST_:$PGPORT_: using it." >&2
else
  INITDB=$(find_pg_bin initdb); PG_CTL=$(find_pg_bin pg_ctl)
  if [ -z "$INITDB" ] || [ -z "$PG_CTL" ]; then
    echo "No PostgreSQL answers on $PGHOST_:$PGPORT_ and initdb/pg_ctl were not found: install PostgreSQL (Debian: apt-get install postgresql)." >&2
    exit 1
  fi
  PGPORT_=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  PGDATA_DIR=$(mktemp -d /tmp/frenchimpact-pg.XXXXXX)
  cleanup() { rm -rf "$PGDATA_DIR"; }  # also when initdb or pg_ctl fails
  AS=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PGDATA_DIR"
    AS=(runuser -u postgres --)
  fi
  echo "Starting a throwaway PostgreSQL cluster on 127.0.0.1:$PGPORT_ ($PGDATA_DIR)." >&2
  "${AS[@]}" "$INITDB" -D "$PGDATA_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${AS[@]}" "$PG_CTL" -D "$PGDATA_DIR/data" -o "-p $PGPORT_ -k $PGDATA_DIR -c listen_addresses=127.0.0.1" -l "$PGDATA_DIR/log" -w start >/dev/null
  cleanup() {
    "${AS[@]}" "$PG_CTL" -D "$PGDATA_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PGDATA_DIR"
  }
fi

export DATABASE_URL="postgres://postgres@$PGHOST_:$PGPORT_/frenchimpact"
"$@"
