#!/usr/bin/env bash
# The full test command of README.md (and what .ci/run runs): on a fresh machine (root, apt). A fresh machine has the JDKs, Maven, Node and the Docker client; this installs what the tests need besides:
# Debian's Chromium for the browser test of the page (src/test/e2e). Maven takes the rest from Maven Central,
# and the browser test takes playwright-core from the npm registry (npm ci, from the committed lock file).
# Needs a JDK 17, Maven and apt (all on the CI machine). The container tests (Dockerfile, docker-compose) need a
# Docker engine and local base images, since no container registry is reachable: deploy/ci/docker-setup.sh
# installs and starts dockerd (stopped again at exit) and builds them. Without Docker those tests fail.
set -euo pipefail
cd "$(dirname "$0")/../.."

tools/ci/install-test-prerequisites.sh

java -version
./mvnw -version

# independent Python clients and reference frameworks (numpy, torch, onnxruntime, keras, grpcio) for the tests
CONVSERVE_PYTHON=$(tools/ci/python-env.sh)
export CONVSERVE_PYTHON
"$CONVSERVE_PYTHON" --version

state=$(mktemp -d)
export DOCKERD_PID_FILE=$state/dockerd.pid DOCKERD_LOG_FILE=$state/dockerd.log
stop_dockerd() {
  if [ -s "$DOCKERD_PID_FILE" ]; then
    pid=$(cat "$DOCKERD_PID_FILE")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    echo "dockerd ($pid) stopped"
  fi
}
trap stop_dockerd EXIT

export CONVSERVE_JDK_IMAGE=localhost/convserve-jdk17:1 CONVSERVE_RUNTIME_IMAGE=localhost/convserve-runtime:1 \
  PROMETHEUS_IMAGE=localhost/prometheus:bookworm
time deploy/ci/docker-setup.sh

verify=0
# -Pfull: the tests `./mvnw test` leaves out (browser, load, python, slow tags) run too
./mvnw -B verify -Pfull || verify=$?
# the browser test's screenshots (pass or fail; CI keeps target/ as artifacts)
echo "Screenshots of the browser test (UiEndToEndTest):"
if [ -d target/e2e-screenshots ]; then
  find "$PWD/target/e2e-screenshots" -name '*.png' | sort
else
  echo "  none: target/e2e-screenshots was not written"
fi
exit "$verify"
