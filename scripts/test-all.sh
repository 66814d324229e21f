#!/usr/bin/env bash
# `npm test`: installs what the tests need (Debian packages, code-server for the end-to-end
# test), starts the private Docker daemon, a private MariaDB server and a private sshd, then
# runs the type check, the linter, the format check, the unit tests, the integration tests and
# the end-to-end test. Every private server is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

export DECNET_TEST_ROOT=${DECNET_TEST_ROOT:-/tmp/decnet-reaper-test}
# The private daemon also listens on TCP with TLS (loopback only) for the endpoint tests.
export DECNET_TEST_TLS_PORT=${DECNET_TEST_TLS_PORT:-23760}

bash scripts/install-e2e-deps.sh >&2

# A DECNET swarm (test/integration/fleet.test.ts): two worker daemons of their own (w1 also on
# TCP with TLS, w2 reached over SSH through an sshd of its own), each with its own engine id.
fleet_root=${DECNET_TEST_FLEET_ROOT:-/tmp/decnet-reaper-fleet}
fleet_w1=(env DECNET_TEST_ROOT="$fleet_root-w1" DECNET_TEST_TLS_PORT="${DECNET_TEST_FLEET_TLS_PORT:-23761}" DECNET_TEST_OWN_ENGINE_ID=1)
fleet_w2=(env DECNET_TEST_ROOT="$fleet_root-w2" DECNET_TEST_TLS_PORT= DECNET_TEST_OWN_ENGINE_ID=1)
fleet_sshd=(env DECNET_TEST_SSH_ROOT="$fleet_root-sshd" DECNET_TEST_SSH_PORT="${DECNET_TEST_FLEET_SSH_PORT:-22232}")
fleet_stop() {
  "${fleet_sshd[@]}" bash scripts/private-sshd.sh stop || true
  "${fleet_w1[@]}" bash scripts/private-dockerd.sh stop || true
  "${fleet_w2[@]}" bash scripts/private-dockerd.sh stop || true
}

trap 'fleet_stop; bash scripts/private-sshd.sh stop; bash scripts/private-mariadb.sh stop; bash scripts/private-dockerd.sh stop' EXIT

DECNET_TEST_DOCKER_HOST=$(bash scripts/private-dockerd.sh start)
export DECNET_TEST_DOCKER_HOST
export DECNET_TEST_DOCKER_TLS_HOST=tcp://127.0.0.1:$DECNET_TEST_TLS_PORT
export DECNET_TEST_DOCKER_CERT_PATH=$DECNET_TEST_ROOT/certs/client
DECNET_TEST_MYSQL_URL=$(bash scripts/private-mariadb.sh start)
export DECNET_TEST_MYSQL_URL
DECNET_TEST_MYSQL_PASSWORD=$(cat "${DECNET_TEST_MYSQL_ROOT:-/tmp/decnet-reaper-mysql}/password")
export DECNET_TEST_MYSQL_PASSWORD
DECNET_TEST_SSH_CONFIG=$(bash scripts/private-sshd.sh start)
export DECNET_TEST_SSH_CONFIG
DECNET_TEST_FLEET_W1_HOST=$("${fleet_w1[@]}" bash scripts/private-dockerd.sh start)
DECNET_TEST_FLEET_W2_HOST=$("${fleet_w2[@]}" bash scripts/private-dockerd.sh start)
DECNET_TEST_FLEET_SSH_CONFIG=$(DECNET_TEST_DOCKER_HOST=$DECNET_TEST_FLEET_W2_HOST "${fleet_sshd[@]}" bash scripts/private-sshd.sh start)
export DECNET_TEST_FLEET_W1_HOST DECNET_TEST_FLEET_W2_HOST DECNET_TEST_FLEET_SSH_CONFIG
export DECNET_TEST_FLEET_W1_TLS_HOST=tcp://127.0.0.1:${DECNET_TEST_FLEET_TLS_PORT:-23761}
export DECNET_TEST_FLEET_W1_CERT_PATH=$fleet_root-w1/certs/client

npm run --silent typecheck
npm run --silent lint
npm run --silent format:check
npm run --silent test:unit
npm run --silent test:integration
npm run --silent test:e2e
