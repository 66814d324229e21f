#!/usr/bin/env bash
# Starts or stops a private MariaDB server for the MySQL-backend tests: its own data directory,
# socket and pid file under $DECNET_TEST_MYSQL_ROOT (default /tmp/decnet-reaper-mysql), listening
# on 127.0.0.1:$DECNET_TEST_MYSQL_PORT (default 33306) only. It holds a `decnet` database and a
# `decnet` user whose password is in $root/password. Prints a mysql:// URL without the password.
#   scripts/private-mariadb.sh start|stop
set -euo pipefail

root=${DECNET_TEST_MYSQL_ROOT:-/tmp/decnet-reaper-mysql}
port=${DECNET_TEST_MYSQL_PORT:-33306}
sock="$root/mysqld.sock"

log() { echo "private-mariadb: $*" >&2; }

client() { mariadb --no-defaults --socket="$sock" -uroot "$@"; }

running() { [[ -S $sock ]] && client -e 'SELECT 1' >/dev/null 2>&1; }

start() {
  command -v mariadbd >/dev/null || { log "MariaDB is not installed (apt-get install mariadb-server)"; exit 1; }
  if ! running; then
    mkdir -p "$root"
    if [[ ! -d $root/data/mysql ]]; then
      mariadb-install-db --no-defaults --user=root --datadir="$root/data" --auth-root-authentication-method=socket \
        --skip-test-db >"$root/install.log" 2>&1 || { log "mariadb-install-db failed; see $root/install.log"; exit 1; }
    fi
    nohup mariadbd --no-defaults --user=root --datadir="$root/data" --socket="$sock" --pid-file="$root/mysqld.pid" \
      --port="$port" --bind-address=127.0.0.1 --skip-name-resolve --log-error="$root/error.log" \
      --innodb-buffer-pool-size=32M >/dev/null 2>&1 &
    for _ in $(seq 1 60); do running && break; sleep 0.5; done
    running || { log "mariadbd did not start; see $root/error.log"; tail -20 "$root/error.log" >&2; exit 1; }
    log "started on 127.0.0.1:$port"
  fi
  [[ -f $root/password ]] || head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$root/password"
  local password
  password=$(cat "$root/password")
  client <<SQL
CREATE DATABASE IF NOT EXISTS decnet;
CREATE USER IF NOT EXISTS 'decnet'@'127.0.0.1' IDENTIFIED BY '$password';
ALTER USER 'decnet'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'decnet'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
  echo "mysql://decnet@127.0.0.1:$port/decnet"
}

stop() {
  if [[ -f $root/mysqld.pid ]]; then
    local pid
    pid=$(cat "$root/mysqld.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
  fi
  log "stopped"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
