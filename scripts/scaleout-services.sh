#!/usr/bin/env bash
# Starts a private PostgreSQL and a private Redis on 127.0.0.1 for the scale-out tests, installing them
# with apt-get when missing. Source it: it sets SCALEOUT_POSTGRES (a connection string for DELPHI_TEST_POSTGRES),
# exports DELPHI_TEST_REDIS, DELPHI_SCALE_POSTGRES and DELPHI_SCALE_PG_CTL (for the fault suite), and
# scaleout_services_stop stops both (their data lives under /tmp and is thrown away).
#   PG port:    DELPHI_TEST_PG_PORT    (default 55432)
#   Redis port: DELPHI_TEST_REDIS_PORT (default 56379)

scaleout_services_start() {
  local pg_port=${DELPHI_TEST_PG_PORT:-55432} redis_port=${DELPHI_TEST_REDIS_PORT:-56379}
  # Take the next free ports when these are taken (another run, a developer's own servers).
  while (echo >"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do pg_port=$((pg_port + 1)); done
  while (echo >"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; do redis_port=$((redis_port + 1)); done
  local sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo_cmd="sudo"
  local missing=()
  for p in postgresql redis-server; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> Installing ${missing[*]} (apt-get)"
    $sudo_cmd apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null || return 1
  fi

  local pgbin
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$pgbin/initdb" ] || { echo "PostgreSQL binaries not found" >&2; return 1; }
  SCALEOUT_PG_DIR=$(mktemp -d /tmp/delphi-pg.XXXXXX)
  # initdb and postgres refuse to run as root: as root, run them as the postgres user the package created.
  local as=()
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$SCALEOUT_PG_DIR"; as=(runuser -u postgres --); fi
  "${as[@]}" "$pgbin/initdb" -D "$SCALEOUT_PG_DIR/data" -U postgres --auth=trust -E UTF8 >"$SCALEOUT_PG_DIR/initdb.log" 2>&1 \
    || { cat "$SCALEOUT_PG_DIR/initdb.log" >&2; return 1; }
  local attempt
  for attempt in 1 2 3 4 5; do
    "${as[@]}" "$pgbin/pg_ctl" -D "$SCALEOUT_PG_DIR/data" -l "$SCALEOUT_PG_DIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $SCALEOUT_PG_DIR -c max_connections=400 -c fsync=on -c shared_buffers=128MB" start >/dev/null \
      && break
    # The port can be taken between the check above and the start (a server of an earlier run still going away):
    # the next free one.
    if [ "$attempt" -eq 5 ] || ! grep -q "Address already in use" "$SCALEOUT_PG_DIR/server.log"; then
      cat "$SCALEOUT_PG_DIR/server.log" >&2; return 1
    fi
    pg_port=$((pg_port + 1))
    while (echo >"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do pg_port=$((pg_port + 1)); done
  done
  SCALEOUT_PG_CTL=("${as[@]}" "$pgbin/pg_ctl" -D "$SCALEOUT_PG_DIR/data")
  # For the scale-out fault suite (tests/DelphiRounds.CrashTests/ScaleFaultTests.cs), which restarts this server.
  export DELPHI_SCALE_PG_CTL="${SCALEOUT_PG_CTL[*]} -l $SCALEOUT_PG_DIR/server.log"

  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --save '' --appendonly no \
    --pidfile "$SCALEOUT_PG_DIR/redis.pid" --logfile "$SCALEOUT_PG_DIR/redis.log" --protected-mode yes \
    || return 1
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

  # Not DELPHI_TEST_POSTGRES itself: that switches a test run to PostgreSQL, which the caller does for one run.
  SCALEOUT_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Maximum Pool Size=20"
  export DELPHI_TEST_REDIS="127.0.0.1:$redis_port"
  export DELPHI_SCALE_POSTGRES="$SCALEOUT_POSTGRES"
  echo "==> PostgreSQL on 127.0.0.1:$pg_port and Redis on 127.0.0.1:$redis_port (data in $SCALEOUT_PG_DIR)"
}

scaleout_services_stop() {
  [ -n "${SCALEOUT_PG_DIR:-}" ] || return 0
  [ -f "$SCALEOUT_PG_DIR/redis.pid" ] && kill "$(cat "$SCALEOUT_PG_DIR/redis.pid")" 2>/dev/null
  "${SCALEOUT_PG_CTL[@]}" -m fast stop >/dev/null 2>&1
  rm -rf "$SCALEOUT_PG_DIR"
}
