#!/bin/bash
# Starts convserve with JVM, ND4J and thread settings sized from the container's cgroup limits.
#   HEAP_PERCENT     Java heap, % of the memory limit (default 40)
#   OFFHEAP_PERCENT  ND4J/JavaCPP off-heap buffers (weights, activations), % of the limit (default 45);
#                    JavaCPP's cap on the whole process (maxphysicalbytes) is set to 90 % of the limit
#   JAVACPP_CACHE_DIR where JavaCPP finds (or else extracts) the native libraries; the image extracts them at build
#                    time into /opt/convserve/javacpp, so no writable executable folder is needed at run time
#   JAVA_OPTS        appended last, so it overrides any of the above
#   OMP_NUM_THREADS  defaults to the CPU limit (rounded up), so ND4J does not start one thread per host core
# Arguments are passed to the application (e.g. --inference.poll-interval=10s).
set -euo pipefail

limit=""
if [ -r /sys/fs/cgroup/memory.max ]; then                      # cgroup v2
  limit=$(cat /sys/fs/cgroup/memory.max)
elif [ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then  # cgroup v1 (a huge number means no limit)
  limit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
fi

opts=(-XX:MaxRAMPercentage="${HEAP_PERCENT}" -XX:InitialRAMPercentage=10 -XX:+ExitOnOutOfMemoryError
      -Djava.io.tmpdir=/tmp -Dorg.bytedeco.javacpp.cachedir="${JAVACPP_CACHE_DIR}"
      -Djava.library.path=/opt/convserve/natives -Dorg.bytedeco.javacpp.pathsFirst=true
      -Dorg.bytedeco.javacpp.logger.debug=false)
if [[ $limit =~ ^[0-9]+$ ]] && [ "$limit" -lt $((1 << 50)) ]; then
  opts+=(-Dorg.bytedeco.javacpp.maxbytes=$((limit / 100 * OFFHEAP_PERCENT))
         -Dorg.bytedeco.javacpp.maxphysicalbytes=$((limit / 100 * 90)))
  echo "entrypoint: memory limit $((limit / 1048576)) MiB: heap ${HEAP_PERCENT}%, off-heap ${OFFHEAP_PERCENT}%, process 90%" >&2
fi

if [ -z "${OMP_NUM_THREADS:-}" ] && [ -r /sys/fs/cgroup/cpu.max ]; then
  read -r quota period < /sys/fs/cgroup/cpu.max
  if [[ $quota =~ ^[0-9]+$ ]]; then
    export OMP_NUM_THREADS=$(( (quota + period - 1) / period ))
  fi
fi

# JAVA_OPTS is split on spaces on purpose (several options in one variable)
# shellcheck disable=SC2086
exec java "${opts[@]}" ${JAVA_OPTS} -cp /app org.springframework.boot.loader.launch.JarLauncher "$@"
