#!/usr/bin/env bash
# HTTP benchmark of the running service with wrk (docs/benchmarks.md): lenet5 and alexnet, JSON and binary v2
# bodies, concurrency 1, 8 and 32, dynamic batching on and off. Starts the packaged jar itself on port 18123.
# Usage: [SERVICE_OPTS="--inference.threads=1"] tools/bench/http.sh [seconds per run, default 10]   (needs: ./mvnw -B package -DskipTests; apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN=${1:-10}
PORT=18123
JAR=$(ls target/convserve-*.jar | grep -v plain | head -1)
OUT=target/bench/http
mkdir -p "$OUT"
java tools/bench/MakeBodies.java "$OUT"

start() { # $1: extra options
  # shellcheck disable=SC2086
  java -jar "$JAR" --server.port=$PORT --inference.grpc.port=0 $1 ${SERVICE_OPTS:-} > "$OUT/service.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 120); do
    curl -sf "localhost:$PORT/v2/health/ready" > /dev/null && return 0
    sleep 0.5
  done
  echo "service did not become ready" >&2; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; }

echo "| model | body | batching | concurrency | req/s | p50 ms | p99 ms | non-200 |"
echo "|---|---|---|---:|---:|---:|---:|---:|"
for batching in on off; do
  if [ $batching = on ]; then start ""; else start "--inference.dynamic-batching=false"; fi
  for model in lenet5 alexnet; do
    for body in binary json; do
      if [ $body = binary ]; then file="$OUT/$model.bin"; header=$(cat "$OUT/$model.bin.header"); else file="$OUT/$model.json"; header=""; fi
      for c in 1 8 32; do
        # warm-up, then the measured run
        BODY_FILE=$file HEADER_LENGTH=$header wrk -t1 -c"$c" -d2s -s tools/bench/infer.lua \
            "http://localhost:$PORT/v2/models/$model/infer" > /dev/null
        threads=$(( c < 2 ? c : 2 ))
        line=$(BODY_FILE=$file HEADER_LENGTH=$header wrk -t"$threads" -c"$c" -d"${SECONDS_PER_RUN}"s --timeout 10s \
            -s tools/bench/infer.lua "http://localhost:$PORT/v2/models/$model/infer" | grep RESULT)
        rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<< "$line")
        p50=$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<< "$line")
        p99=$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<< "$line")
        bad=$(sed -E 's/.*non2xx=([0-9]+) errors=([0-9]+).*/\1+\2/' <<< "$line")
        echo "| $model | $body | $batching | $c | $rps | $p50 | $p99 | $bad |"
      done
    done
  done
  curl -s "localhost:$PORT/v2/models/lenet5/stats" > "$OUT/lenet5-stats-batching-$batching.json"
  stop
done
