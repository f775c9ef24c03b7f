#!/usr/bin/env bash
# Where a lenet5 binary infer request's CPU goes (docs/benchmarks.md, "The request path"): runs JAR under JFR
# (settings=profile), drives it with wrk (2 threads, 32 connections) for SECONDS after a warm-up, measures the
# service's CPU per request from /proc and prints the samples of the request threads and the batcher by part.
# Usage: tools/bench/request-profile.sh JAR [SECONDS, default 20]
set -euo pipefail
cd "$(dirname "$0")/../.."
JAR=$1 SECONDS_PER_RUN=${2:-20}
PORT=18126
OUT=target/bench/request-path
mkdir -p "$OUT"
java tools/bench/MakeBodies.java "$OUT" > /dev/null
java -XX:StartFlightRecording=settings=profile -jar "$JAR" --server.port=$PORT --management.server.port=0 \
    --inference.grpc.enabled=false > "$OUT/profile.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "localhost:$PORT/v2/health/ready" > /dev/null && break; sleep 0.5; done
body=$OUT/lenet5.bin
drive() { BODY_FILE=$body HEADER_LENGTH=$(cat "$body.header") wrk -t2 -c32 -d"$1"s --timeout 10s \
    -s tools/bench/infer.lua "http://localhost:$PORT/v2/models/lenet5/infer"; }
drive 3 > /dev/null
jcmd $PID JFR.stop > /dev/null
jcmd $PID JFR.start settings=profile > /dev/null # the measured seconds only
c0=$(awk '{ print $14 + $15 }' /proc/$PID/stat)
result=$(drive "$SECONDS_PER_RUN" | grep RESULT)
c1=$(awk '{ print $14 + $15 }' /proc/$PID/stat)
jcmd $PID JFR.dump filename="$PWD/$OUT/profile.jfr" > /dev/null
requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<< "$result")
cpu=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
echo "$result service_cpu_us_per_request=$cpu"
java tools/bench/RequestPathCategories.java "$OUT/profile.jfr" "$cpu"
