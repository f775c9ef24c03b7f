#!/usr/bin/env bash
# Where the time of lenet5 one-image requests goes (docs/benchmarks.md, "gRPC"): for 10 s of gRPC (h2load, 1
# connection x 32 streams) and 10 s of HTTP binary v2 (wrk, 32 connections), the load generator's CPU time, the
# service's CPU time (/proc) and the engine's share of it (the service's compute statistics), with the mean batch.
# Run tools/bench/grpc.sh first (it writes the bodies). Ports 18220 (HTTP) and 18221 (gRPC).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${CONVSERVE_PYTHON:-python3}
OUT=target/bench/grpc
java -jar "$(ls target/convserve-*.jar | grep -v plain | head -1)" --server.port=18220 --inference.grpc.port=18221 > $OUT/prof.log 2>&1 &
PID=$!
trap 'kill $PID' EXIT
until grep -q 'listening on port 18221' $OUT/prof.log; do sleep 0.5; done
cpu() { awk '{print $14+$15}' /proc/$PID/stat; }
tick=$(getconf CLK_TCK)
h2() { h2load -D 10 -c 1 -m 32 -t 1 -d $OUT/lenet5.grpc -H 'content-type: application/grpc' -H 'te: trailers' http://127.0.0.1:18221/inference.GRPCInferenceService/ModelInfer; }
wk() { BODY_FILE=$OUT/lenet5.bin HEADER_LENGTH=$(cat $OUT/lenet5.bin.header) wrk -t2 -c32 -d10s -s tools/bench/infer.lua http://127.0.0.1:18220/v2/models/lenet5/infer; }
h2 > /dev/null; wk > /dev/null
for run in grpc http; do
  s0=$(curl -s localhost:18220/v2/models/lenet5/stats)
  c0=$(cpu)
  TIMEFORMAT="client_cpu_s=%U+%S"; if [ $run = grpc ]; then { time h2 | grep -E "finished in"; } 2>&1; else { time wk | grep RESULT; } 2>&1; fi
  c1=$(cpu)
  s1=$(curl -s localhost:18220/v2/models/lenet5/stats)
  echo "$run: server_cpu_s=$(( (c1 - c0) / tick ))"
  "$PY" - "$s0" "$s1" <<'PY'
import json, sys
a, b = (json.loads(x)["model_stats"][0] for x in sys.argv[1:3])
d = lambda k: b["inference_stats"][k]["ns"] - a["inference_stats"][k]["ns"]
n = b["inference_stats"]["success"]["count"] - a["inference_stats"]["success"]["count"]
ex = b["execution_count"] - a["execution_count"]
compute = d("compute_input") + d("compute_infer") + d("compute_output")
print(f"  requests={n} executions={ex} mean_batch={n/ex:.1f} engine_cpu_s={compute/1e9:.2f} "
      f"engine_us_per_request={compute/1e3/n:.1f} queue_us_per_request={d('queue')/1e3/n:.0f}")
PY
done
