#!/usr/bin/env bash
# Forward-pass benchmark, our engine vs ONNX Runtime on the same networks and weights (docs/benchmarks.md).
# Usage: tools/bench/jmh.sh [JMH options, e.g. -f 1 -wi 3 -i 5 -p model=alexnet -p batch=8]
# Prints JMH's results and then the markdown table. PEAK_GFLOPS (default: measured by fma_peak) sets the
# reference for "% of FMA peak".
set -euo pipefail
cd "$(dirname "$0")/../.."
# libgomp's threads spin 300,000 times at each barrier before sleeping: on a machine with more runnable threads than
# cores a spinning thread takes the core the thread it waits for needs, and small native ops collapse (LeNet
# batch 8, every step native, at load average 9 on 2 cores: 23 ms a pass with the default against 0.93 ms with
# 20,000; the fastest pass 0.22 ms either way; docs/benchmarks.md). ONNX Runtime has its own thread pool.
export GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-20000}"
./mvnw -B -q -Pbench compile dependency:build-classpath -Dmdep.outputFile=target/bench/classpath.txt \
    -Dmdep.includeScope=runtime -Dcodegen.skip=true
if [ -z "${PEAK_GFLOPS:-}" ]; then
  gcc -O3 -march=native -fopenmp -o target/bench/fma_peak tools/bench/fma_peak.c
  PEAK_GFLOPS=$(OMP_NUM_THREADS=$(nproc) target/bench/fma_peak | awk '/GFLOP/ {print $NF}')
  echo "measured FMA peak: ${PEAK_GFLOPS} GFLOP/s on $(nproc) threads"
fi
# ONNX Runtime 1.29's Java binding crashes (SIGSEGV) when java.class.path is longer than about 4 KB, so the JVMs get
# a short one: a jar whose manifest lists the real class path.
(echo "Manifest-Version: 1.0"
 { printf "Class-Path: file:%s/" "$PWD/target/bench/classes"
   { tr ':' '\n' < target/bench/classpath.txt; echo; } | while read -r f; do [ -n "$f" ] && printf " file:%s" "$f"; done
   printf "\n"; } | fold -w 70 | sed '2,$s/^/ /') > target/bench/manifest.txt
rm -f target/bench/pathing.jar
jar --create --file target/bench/pathing.jar --manifest target/bench/manifest.txt
exec java -Dpeak.gflops="$PEAK_GFLOPS" -cp target/bench/pathing.jar io.convserve.bench.BenchReport "$@"
