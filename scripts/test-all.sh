#!/usr/bin/env bash
# `npm test`: installs what the tests need (Debian packages, code-server for the end-to-end
# test), starts the private Docker daemon, a private MariaDB server and a private sshd, then
# runs the type check, the unit tests, the integration tests and the end-to-end test. Every
# private server is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

export DECNET_TEST_ROOT=${DECNET_TEST_ROOT:-/tmp/decnet-reaper-test}
# The private daemon also listens on TCP with TLS (loopback only) for the endpoint tests.
export DECNET_TEST_TLS_PORT=${DECNET_TEST_TLS_PORT:-23760}

bash scripts/install-e2e-deps.sh >&2

trap 'bash scripts/private-sshd.sh stop; bash scripts/private-mariadb.sh stop; bash scripts/private-dockerd.sh stop' EXIT

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

npm run --silent typecheck
npm run --silent test:unit
npm run --silent test:integration
npm run --silent test:e2e
