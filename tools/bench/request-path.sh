#!/usr/bin/env bash
# The request path's own cost (docs/benchmarks.md): GET /v2/health/live (a constant answer through the same Tomcat
# and filters) against a lenet5 binary v2 infer of one image, 32 connections, for two builds in the same run,
# alternated A B A B so that drift hits both. Prints a markdown table and each build's infer/health ratio.
# Usage: tools/bench/request-path.sh OLD.jar NEW.jar [seconds per run, default 10] [rounds, default 2]
#   e.g. git worktree add /tmp/old <commit> && (cd /tmp/old && ./mvnw -B -q package -DskipTests)
#        ./mvnw -B -q package -DskipTests && tools/bench/request-path.sh /tmp/old/target/convserve-*.jar target/convserve-*.jar
set -euo pipefail
cd "$(dirname "$0")/../.."
OLD=$1 NEW=$2 SECONDS_PER_RUN=${3:-10} ROUNDS=${4:-2}
PORT=18124
OUT=target/bench/request-path
mkdir -p "$OUT"
java tools/bench/MakeBodies.java "$OUT" > /dev/null

start() { # $1: jar
  java -jar "$1" --server.port=$PORT --inference.grpc.enabled=false > "$OUT/service.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 120); do
    curl -sf "localhost:$PORT/v2/health/ready" > /dev/null && return 0
    sleep 0.5
  done
  echo "service did not become ready" >&2; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
run() { # $1: path, $2: body file or "", prints rps p50 p99 non-200 and the service's CPU microseconds per request
  local body=$2 header="" c0 c1 result
  if [ -n "$body" ]; then header=$(cat "$body.header"); fi
  BODY_FILE=$body HEADER_LENGTH=$header wrk -t2 -c32 -d2s -s tools/bench/infer.lua "http://localhost:$PORT$1" > /dev/null
  c0=$(cpu_ticks)
  result=$(BODY_FILE=$body HEADER_LENGTH=$header wrk -t2 -c32 -d"${SECONDS_PER_RUN}"s --timeout 10s \
      -s tools/bench/infer.lua "http://localhost:$PORT$1" | grep RESULT)
  c1=$(cpu_ticks)
  sed -E 's/.*rps=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+) requests=([0-9]+) non2xx=([0-9]+) errors=([0-9]+).*/\1 \2 \3 \5+\6 \4/' \
      <<< "$result" | awk -v ticks=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" \
      '{ printf "%s %s %s %s %.0f\n", $1, $2, $3, $4, ticks / hz * 1e6 / $5 }'
}

echo "| build | round | route | req/s | p50 ms | p99 ms | non-200 + errors | service CPU µs/request |"
echo "|---|---:|---|---:|---:|---:|---:|---:|"
declare -A health infer infercpu
for round in $(seq 1 "$ROUNDS"); do
  for build in old new; do
    jar=$OLD; [ $build = new ] && jar=$NEW
    start "$jar"
    read -r h50 h50p h99 hbad hcpu <<< "$(run /v2/health/live "")"
    read -r i50 i50p i99 ibad icpu <<< "$(run /v2/models/lenet5/infer "$OUT/lenet5.bin")"
    stop
    echo "| $build | $round | GET /v2/health/live | $h50 | $h50p | $h99 | $hbad | $hcpu |"
    echo "| $build | $round | lenet5 binary infer | $i50 | $i50p | $i99 | $ibad | $icpu |"
    health[$build]="${health[$build]:-} $h50"
    infer[$build]="${infer[$build]:-} $i50"
    infercpu[$build]="${infercpu[$build]:-} $icpu"
  done
done
mean() { awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.1f", s / NF }' <<< "$1"; }
for build in old new; do
  echo "$build: health $(mean "${health[$build]}") req/s, infer $(mean "${infer[$build]}") req/s, infer/health" \
       "$(awk -v i="$(mean "${infer[$build]}")" -v h="$(mean "${health[$build]}")" 'BEGIN { printf "%.2f", i / h }')"
done
for build in old new; do
  echo "$build: service CPU per lenet5 infer $(mean "${infercpu[$build]}") µs"
done
echo "new/old infer rate: $(awk -v n="$(mean "${infer[new]}")" -v o="$(mean "${infer[old]}")" 'BEGIN { printf "%.2f", n / o }')"
