#!/usr/bin/env bash
# Starts or stops the private Docker daemon that the tests use, so that no test ever
# touches the developer's own daemon. Everything lives under $DECNET_TEST_ROOT
# (default: /tmp/decnet-reaper-test). Prints the socket URL on `start`.
# With DECNET_TEST_TLS_PORT set, the daemon also listens on tcp://127.0.0.1:<port> with
# --tlsverify, using a CA and certificates made here in $root/certs (client material in
# $root/certs/client: ca.pem, cert.pem, key.pem, as DOCKER_CERT_PATH expects). A daemon found
# running without that listener when it is asked for is restarted with it.
# With DECNET_TEST_OWN_ENGINE_ID=1, a Docker before 23 gets its own identity key in $root (its
# engine id, `GET /info`'s ID, then differs from the other daemons' on the machine; from 23 on,
# the id is kept in the data root anyway).
#   scripts/private-dockerd.sh start|stop|host
set -euo pipefail

root=${DECNET_TEST_ROOT:-/tmp/decnet-reaper-test}
sock="$root/docker.sock"
host="unix://$sock"
image=decnet-test/busybox:latest

log() { echo "private-dockerd: $*" >&2; }

running() {
  [[ -S $sock ]] && DOCKER_HOST=$host docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

tls_running() {
  DOCKER_HOST="tcp://127.0.0.1:$DECNET_TEST_TLS_PORT" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$root/certs/client" \
    docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# Stops the daemon started here (its pid file), leaving its containers and data in place.
kill_daemon() {
  [[ -f $root/dockerd.pid ]] || return 0
  local pid
  pid=$(cat "$root/dockerd.pid")
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
}

make_certs() {
  local certs="$root/certs"
  [[ -f $certs/client/key.pem ]] && return
  command -v openssl >/dev/null || { log "openssl is not installed"; exit 1; }
  mkdir -p "$certs/client"
  (
    cd "$certs"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=decnet-reaper test CA" \
      -keyout ca-key.pem -out ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server-key.pem -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 \
      -extfile server.ext -out server-cert.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=client" -keyout client/key.pem -out client.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 \
      -extfile client.ext -out client/cert.pem 2>/dev/null
    cp ca.pem client/ca.pem
  )
}

start() {
  local tls=()
  if [[ -n ${DECNET_TEST_TLS_PORT:-} ]]; then
    make_certs
    tls=(--host "tcp://127.0.0.1:$DECNET_TEST_TLS_PORT" --tlsverify
      --tlscacert "$root/certs/ca.pem" --tlscert "$root/certs/server-cert.pem" --tlskey "$root/certs/server-key.pem")
  fi
  local own_id=()
  if [[ ${DECNET_TEST_OWN_ENGINE_ID:-} == 1 ]]; then
    local major
    major=$(dockerd --version | sed -E 's/^Docker version ([0-9]+).*/\1/')
    if [[ $major =~ ^[0-9]+$ && $major -lt 23 ]]; then
      mkdir -p "$root"
      printf '{"deprecated-key-path": "%s"}\n' "$root/key.json" >"$root/daemon.json"
      own_id=(--config-file "$root/daemon.json")
    fi
  fi
  if running && [[ -n ${DECNET_TEST_TLS_PORT:-} ]] && ! tls_running; then
    # Started earlier without the TLS listener (by the benchmark, say): the TLS tests need it.
    log "running at $host without the TLS listener on 127.0.0.1:$DECNET_TEST_TLS_PORT: restarting it with it"
    kill_daemon
    running && { log "the daemon at $host did not stop (not started by this script?): stop it first"; exit 1; }
  fi
  if running; then
    log "already running at $host"
  else
    command -v dockerd >/dev/null || { log "dockerd is not installed (apt-get install docker.io)"; exit 1; }
    mkdir -p "$root"
    # The daemon gets its own data, exec root and pid file; no bridge, no iptables rules.
    nohup dockerd \
      --host "$host" "${tls[@]}" "${own_id[@]}" \
      --data-root "$root/data" \
      --exec-root "$root/exec" \
      --pidfile "$root/dockerd.pid" \
      --bridge none --iptables=false --ip6tables=false \
      --log-level warn \
      >"$root/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do
      running && break
      sleep 0.5
    done
    running || { log "dockerd did not start; see $root/dockerd.log"; tail -20 "$root/dockerd.log" >&2; exit 1; }
    log "started at $host"
  fi
  if ! DOCKER_HOST=$host docker image inspect "$image" >/dev/null 2>&1; then
    # No registry here: the test image is busybox-static imported from a tarball.
    local busybox
    busybox=$(command -v busybox || true)
    [[ -x /bin/busybox ]] && busybox=/bin/busybox
    [[ -n $busybox ]] || { log "busybox is not installed (apt-get install busybox-static)"; exit 1; }
    local tmp
    tmp=$(mktemp -d)
    mkdir -p "$tmp/rootfs/bin"
    cp "$busybox" "$tmp/rootfs/bin/busybox"
    for tool in sh sleep true; do ln -s busybox "$tmp/rootfs/bin/$tool"; done
    tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
    DOCKER_HOST=$host docker import -c 'CMD ["/bin/sleep","86400"]' "$tmp/rootfs.tar" "$image" >/dev/null
    rm -rf "$tmp"
    log "imported $image"
  fi
  echo "$host"
}

stop() {
  if [[ -f $root/dockerd.pid ]]; then
    local pid
    pid=$(cat "$root/dockerd.pid")
    if kill -0 "$pid" 2>/dev/null; then
      # Remove what the tests left before the daemon goes, so its data root can be deleted.
      if running; then
        DOCKER_HOST=$host docker ps -aq | xargs -r env DOCKER_HOST=$host docker rm -f >/dev/null 2>&1 || true
      fi
      kill_daemon
    fi
  fi
  log "stopped"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  host) echo "$host" ;;
  *) echo "usage: $0 start|stop|host" >&2; exit 2 ;;
esac
