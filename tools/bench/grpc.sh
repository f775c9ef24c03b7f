#!/usr/bin/env bash
# gRPC against HTTP binary v2 in one run (docs/benchmarks.md, "gRPC"): lenet5, one image per request, 32 concurrent
# streams (h2load: one connection with 32 streams, and 4 connections with 8) against wrk on HTTP/1.1 with 32
# connections; then alexnet, batch 8 per request over gRPC, against the engine's own compute time for the same
# batches (the service's batch_stats). Starts the packaged jar on ports 18201 (HTTP) and 18202 (gRPC).
# With BASE_JAR set (e.g. a jar built from an earlier commit in a git worktree), that jar's HTTP binary v2 rate is
# measured in the same rounds, on port 18203, for a comparison against the HTTP service before gRPC existed.
# Usage: [BASE_JAR=...] tools/bench/grpc.sh [seconds per run, default 10] [jar, default target/convserve-*.jar]
# Needs: mvn -B package -DskipTests; h2load (nghttp2-client), wrk; CONVSERVE_PYTHON with grpcio-tools and numpy.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN=${1:-10}
JAR=${2:-$(ls target/convserve-*.jar | grep -v plain | head -1)}
HTTP=18201
GRPC=18202
OUT=target/bench/grpc
mkdir -p "$OUT"
java tools/bench/MakeBodies.java "$OUT" > /dev/null
"${CONVSERVE_PYTHON:-python3}" tools/bench/grpc_bodies.py "$OUT"

java -jar "$JAR" --server.port=$HTTP --inference.grpc.port=$GRPC > "$OUT/service.log" 2>&1 &
PID=$!
BASE_PID=""
if [ -n "${BASE_JAR:-}" ]; then
  java -jar "$BASE_JAR" --server.port=18203 > "$OUT/base-service.log" 2>&1 &
  BASE_PID=$!
fi
trap 'kill $PID $BASE_PID; wait $PID $BASE_PID 2>/dev/null || true' EXIT
for port in $HTTP ${BASE_PID:+18203}; do
  for _ in $(seq 1 240); do
    curl -sf "localhost:$port/v2/health/ready" > /dev/null && break
    sleep 0.5
  done
done
until grep -q "listening on port $GRPC" "$OUT/service.log"; do sleep 0.5; done

grpc() { # $1 model, $2 connections, $3 streams per connection, $4 seconds
  h2load -D "$4" -c "$2" -m "$3" -t 1 -d "$OUT/$1.grpc" -H 'content-type: application/grpc' -H 'te: trailers' \
      "http://127.0.0.1:$GRPC/inference.GRPCInferenceService/ModelInfer"
}
http() { # $1 model, $2 connections, $3 seconds, [$4 port]
  BODY_FILE="$OUT/$1.bin" HEADER_LENGTH=$(cat "$OUT/$1.bin.header") wrk -t2 -c"$2" -d"$3"s --timeout 10s \
      -s tools/bench/infer.lua "http://127.0.0.1:${4:-$HTTP}/v2/models/$1/infer"
}
stats() { # server-side end-to-end latency quantiles of the last 1024 requests, and success/fail counts
  curl -s "localhost:$HTTP/v2/models/$1/stats" | "${CONVSERVE_PYTHON:-python3}" -c '
import json, sys
s = json.load(sys.stdin)["model_stats"][0]
l, i = s["latency"], s["inference_stats"]
print("server: success=%d fail=%d p50_us=%d p99_us=%d" % (i["success"]["count"], i["fail"]["count"], l["p50_us"],
      l["p99_us"]))'
}

echo "== lenet5, one image per request (warm-up first)"
grpc lenet5 1 32 3 > /dev/null
http lenet5 32 3 > /dev/null
if [ -n "$BASE_PID" ]; then http lenet5 32 3 18203 > /dev/null; fi
for round in 1 2; do
  echo "-- round $round: gRPC, 1 connection x 32 streams"
  grpc lenet5 1 32 "$SECONDS_PER_RUN" | grep -E 'finished in|requests:|status codes|time for request'
  stats lenet5
  echo "-- round $round: gRPC, 4 connections x 8 streams"
  grpc lenet5 4 8 "$SECONDS_PER_RUN" | grep -E 'finished in|requests:|status codes|time for request'
  stats lenet5
  echo "-- round $round: HTTP binary v2, 32 connections"
  http lenet5 32 "$SECONDS_PER_RUN" | grep -E 'RESULT'
  stats lenet5
  if [ -n "$BASE_PID" ]; then
    echo "-- round $round: HTTP binary v2 of BASE_JAR, 32 connections"
    http lenet5 32 "$SECONDS_PER_RUN" 18203 | grep -E 'RESULT'
  fi
done

echo "== alexnet, batch 8 per request over gRPC, 2 streams (one computing, one queued)"
grpc alexnet 1 2 5 > /dev/null
before=$(curl -s "localhost:$HTTP/v2/models/alexnet/stats")
grpc alexnet 1 2 $(( SECONDS_PER_RUN * 3 )) | grep -E 'finished in|requests:|status codes|time for request'
after=$(curl -s "localhost:$HTTP/v2/models/alexnet/stats")
"${CONVSERVE_PYTHON:-python3}" - "$before" "$after" <<'PY'
import json, sys
def batch8(text):
    s = json.loads(text)["model_stats"][0]
    b = next((b for b in s["batch_stats"] if b["batch_size"] == 8), None)
    ns = sum(b[k]["ns"] for k in ("compute_input", "compute_infer", "compute_output")) if b else 0
    return (b["compute_infer"]["count"] if b else 0), ns, s["inference_stats"]["success"]["count"]
c0, ns0, ok0 = batch8(sys.argv[1])
c1, ns1, ok1 = batch8(sys.argv[2])
engine = 8 * (c1 - c0) / ((ns1 - ns0) / 1e9)
print(f"engine in-process at batch 8 over the same run: {c1 - c0} passes, {(ns1 - ns0) / (c1 - c0) / 1e6:.1f} ms each, "
      f"{engine:.1f} img/s; requests answered: {ok1 - ok0}")
PY
