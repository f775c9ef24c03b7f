#!/usr/bin/env bash
# Installs what `./mvnw -B verify -Pfull` needs beyond a JDK 17 and Node on a fresh Debian 12 machine (as root, or
# with sudo): Debian's Chromium, driven by playwright-core in the browser test of the page, and wrk, the load
# generator of WrkOverloadTest. Idempotent.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v wrk >/dev/null || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
chromium --version
wrk --version 2>&1 | head -1 || true
