#!/usr/bin/env bash
# The soak of docs/reliability.md: SoakTest's mixed traffic (lenet5 and alexnet, JSON and binary, images,
# introspection, bad requests, a new lenet5 version every SECONDS/6) for SECONDS (default 600), with heap after GC,
# resident memory, threads and file descriptors sampled every SECONDS/60 s; prints the table and fails on growth.
#   tools/bench/soak.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-600}
./mvnw -q -B test -Pfull -Dtest=SoakTest -Dsoak.seconds="$seconds" -Dsurefire.failIfNoSpecifiedTests=false \
  | grep -E '^soak:|^\| ' || true
grep -q 'failures="0"' target/surefire-reports/TEST-io.convserve.api.SoakTest.xml \
  && grep -q 'errors="0"' target/surefire-reports/TEST-io.convserve.api.SoakTest.xml
