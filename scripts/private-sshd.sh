#!/usr/bin/env bash
# Starts or stops a private sshd for the ssh:// endpoint tests: 127.0.0.1:$DECNET_TEST_SSH_PORT
# (default 22222) only, its own host key, one authorised client key, and DOCKER_HOST set in its
# sessions to the private test daemon ($DECNET_TEST_DOCKER_HOST), so `ssh … docker system
# dial-stdio` reaches that daemon and nothing else. Writes an ssh client config for it in
# $root/client/config (host alias `decnet-test-ssh`, known_hosts pinned to the host key).
#   DECNET_TEST_DOCKER_HOST=unix:///… scripts/private-sshd.sh start|stop
set -euo pipefail

root=${DECNET_TEST_SSH_ROOT:-/tmp/decnet-reaper-sshd}
port=${DECNET_TEST_SSH_PORT:-22222}
log() { echo "private-sshd: $*" >&2; }

start() {
  command -v /usr/sbin/sshd >/dev/null || { log "sshd is not installed (apt-get install openssh-server)"; exit 1; }
  [[ -n ${DECNET_TEST_DOCKER_HOST:-} ]] || { log "DECNET_TEST_DOCKER_HOST is not set"; exit 1; }
  stop >/dev/null 2>&1 || true
  mkdir -p "$root/client"
  chmod 700 "$root" "$root/client"
  [[ -f $root/host_key ]] || ssh-keygen -q -t ed25519 -N '' -f "$root/host_key"
  [[ -f $root/client/id ]] || ssh-keygen -q -t ed25519 -N '' -f "$root/client/id"
  cp "$root/client/id.pub" "$root/authorized_keys"
  mkdir -p /run/sshd
  cat >"$root/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $root/host_key
PidFile $root/sshd.pid
AuthorizedKeysFile $root/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
SetEnv DOCKER_HOST=$DECNET_TEST_DOCKER_HOST
CONF
  echo "[127.0.0.1]:$port $(cut -d' ' -f1-2 "$root/host_key.pub")" >"$root/client/known_hosts"
  cat >"$root/client/config" <<CONF
Host decnet-test-ssh
  HostName 127.0.0.1
  Port $port
  User $(id -un)
  IdentityFile $root/client/id
  IdentitiesOnly yes
  UserKnownHostsFile $root/client/known_hosts
  StrictHostKeyChecking yes
  HostKeyAlias [127.0.0.1]:$port
CONF
  /usr/sbin/sshd -f "$root/sshd_config" -E "$root/sshd.log"
  for _ in $(seq 1 40); do
    ssh -F "$root/client/config" -o BatchMode=yes decnet-test-ssh true 2>/dev/null && break
    sleep 0.25
  done
  ssh -F "$root/client/config" -o BatchMode=yes decnet-test-ssh true || { log "sshd did not start; see $root/sshd.log"; exit 1; }
  log "started on 127.0.0.1:$port"
  echo "$root/client/config"
}

stop() {
  if [[ -f $root/sshd.pid ]]; then
    kill "$(cat "$root/sshd.pid")" 2>/dev/null || true
    rm -f "$root/sshd.pid"
  fi
  log "stopped"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
