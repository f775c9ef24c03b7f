#!/usr/bin/env bash
# Installs what `mvn -B verify` needs beyond a JDK 17, Maven and Node on a fresh Debian 12 machine (as root, or
# with sudo): Debian's Chromium, driven by playwright-core in the browser test of the page. Idempotent.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
if ! command -v chromium >/dev/null; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium
fi
chromium --version
