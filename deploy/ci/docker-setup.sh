#!/usr/bin/env bash
# Prepares a Docker engine and the local images the container tests use, on a machine without a container
# registry (nothing can be pulled). Idempotent: re-running it skips whatever is already there.
#
#   1. installs docker.io, containerd, runc, iptables, debootstrap and docker-compose (v1) with apt if missing;
#   2. starts dockerd in the background unless an engine already answers; its PID goes to
#      $DOCKERD_PID_FILE (default target/dockerd.pid) so the caller can stop it (.ci/run does, in a trap);
#   3. builds four local images unless they exist:
#        localhost/debian-bookworm-minbase:1   debootstrap --variant=minbase bookworm + docker import
#        localhost/convserve-jdk17:1           minbase + openjdk-17-jdk-headless (jmods, jlink) and binutils (strip):
#                                              the Dockerfile's JDK_IMAGE in CI
#        localhost/convserve-runtime:1         minbase + liblcms2-2 and libjpeg62-turbo: the Dockerfile's RUNTIME_IMAGE
#        localhost/prometheus:bookworm         minbase + Debian's prometheus (docker-compose's PROMETHEUS_IMAGE in CI)
#
# Afterwards export, for the tests and docker-compose:
#   CONVSERVE_JDK_IMAGE=localhost/convserve-jdk17:1 CONVSERVE_RUNTIME_IMAGE=localhost/convserve-runtime:1
#   PROMETHEUS_IMAGE=localhost/prometheus:bookworm
set -euo pipefail

MINBASE=${MINBASE_IMAGE:-localhost/debian-bookworm-minbase:1}
# the Dockerfile's build stage: a JDK with its jmods, for jlink (binutils: strip for the native libraries)
JDK=${CONVSERVE_JDK_IMAGE:-localhost/convserve-jdk17:1}
# the Dockerfile's runtime base: minbase with the system libraries Debian's Java links for images and colour
RUNTIME=${CONVSERVE_RUNTIME_IMAGE:-localhost/convserve-runtime:1}
PROM=${PROMETHEUS_IMAGE:-localhost/prometheus:bookworm}
PID_FILE=${DOCKERD_PID_FILE:-$PWD/target/dockerd.pid}
LOG_FILE=${DOCKERD_LOG_FILE:-$PWD/target/dockerd.log}

log() { echo "[docker-setup $(date -u +%H:%M:%S)] $*"; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

# 1. packages
missing=()
command -v dockerd >/dev/null || missing+=(docker.io containerd runc iptables)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker.io containerd runc iptables debootstrap docker-compose >/dev/null
fi

# 2. engine
if docker info >/dev/null 2>&1; then
  log "a Docker engine already answers; not starting one"
else
  mkdir -p "$(dirname "$PID_FILE")" "$(dirname "$LOG_FILE")"
  log "starting dockerd (log: $LOG_FILE)"
  # setsid: its own session, so that a Ctrl-C in the caller's terminal does not reach it; the caller stops it by PID
  $SUDO setsid /usr/sbin/dockerd -H unix:///var/run/docker.sock >"$LOG_FILE" 2>&1 < /dev/null &
  echo $! >"$PID_FILE"
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { log "dockerd did not come up:"; tail -20 "$LOG_FILE"; exit 1; }
  log "dockerd is up (pid $(cat "$PID_FILE"))"
fi

have() { docker image inspect "$1" >/dev/null 2>&1; }

# 3a. minimal Debian root file system, from the machine's own apt mirror
if have "$MINBASE"; then
  log "$MINBASE exists"
else
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  rootfs=$(mktemp -d /tmp/minbase.XXXXXX)
  log "debootstrap bookworm minbase from $mirror"
  start=$SECONDS
  $SUDO debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/tmp/debootstrap.log 2>&1 \
    || { tail -30 /tmp/debootstrap.log; exit 1; }
  # keep the image lean: no apt lists or package caches
  $SUDO rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  $SUDO tar -C "$rootfs" -c . | docker import -c 'CMD ["/bin/bash"]' - "$MINBASE" >/dev/null
  $SUDO rm -rf "$rootfs"
  log "$MINBASE built in $((SECONDS - start)) s"
fi

build_from_minbase() { # image, "packages", further Dockerfile lines
  local image=$1 packages=$2 extra=${3:-}
  local ctx; ctx=$(mktemp -d /tmp/imgctx.XXXXXX)
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $MINBASE
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages \\
 && apt-get clean && rm -rf /var/lib/apt/lists/*
$extra
DOCKERFILE
  local start=$SECONDS
  docker build -q -t "$image" "$ctx" >/dev/null
  rm -rf "$ctx"
  log "$image built in $((SECONDS - start)) s"
}

# 3b. the service image's build and runtime bases (the public defaults are eclipse-temurin:17-jdk-jammy and
#     debian:bookworm-slim)
if have "$JDK"; then log "$JDK exists"; else
  build_from_minbase "$JDK" "openjdk-17-jdk-headless binutils ca-certificates"
fi
if have "$RUNTIME"; then log "$RUNTIME exists"; else build_from_minbase "$RUNTIME" "liblcms2-2 libjpeg62-turbo"; fi
# 3c. Prometheus for docker-compose (the public default is prom/prometheus)
# laid out like prom/prometheus: ENTRYPOINT /bin/prometheus, user nobody, data in /prometheus, promtool and wget beside it
if have "$PROM"; then log "$PROM exists"; else
  build_from_minbase "$PROM" "prometheus wget" "RUN mkdir -p /prometheus && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT [\"/usr/bin/prometheus\"]
CMD [\"--config.file=/etc/prometheus/prometheus.yml\", \"--storage.tsdb.path=/prometheus\"]"
fi

docker images --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep '^localhost/' || true
