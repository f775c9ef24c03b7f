#!/bin/bash
# Starts convserve with JVM, ND4J and thread settings sized from the container's cgroup limits.
#   HEAP_PERCENT     Java heap, % of the memory limit (default 40)
#   OFFHEAP_PERCENT  ND4J/JavaCPP off-heap buffers (weights, activations), % of the limit (default 45);
#                    JavaCPP's cap on the whole process (maxphysicalbytes) is set to 90 % of the limit
#   JAVACPP_CACHE_DIR JavaCPP's cache folder (the image: /tmp/javacpp). The image extracts the native libraries at
#                    build time into /opt/convserve/natives, loaded from there (java.library.path, pathsFirst), so
#                    no writable executable folder is needed at run time
#   JAVA_OPTS        appended last, so it overrides any of the above
#   OMP_NUM_THREADS  defaults to the CPU limit (rounded up; cgroup v2 cpu.max or v1 cpu.cfs_quota_us/cfs_period_us),
#                    so ND4J does not start one thread per host core
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
  # shellcheck disable=SC2017 # whole hundredths of a byte count: the precision lost is under 100 bytes
  opts+=(-Dorg.bytedeco.javacpp.maxbytes=$((limit / 100 * OFFHEAP_PERCENT))
         -Dorg.bytedeco.javacpp.maxphysicalbytes=$((limit / 100 * 90)))
  echo "entrypoint: memory limit $((limit / 1048576)) MiB: heap ${HEAP_PERCENT}%, off-heap ${OFFHEAP_PERCENT}%, process 90%" >&2
fi

quota="" period=""
if [ -r /sys/fs/cgroup/cpu.max ]; then                         # cgroup v2: "max 100000" means no limit
  read -r quota period < /sys/fs/cgroup/cpu.max
elif [ -r /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] && [ -r /sys/fs/cgroup/cpu/cpu.cfs_period_us ]; then
  quota=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)               # cgroup v1: -1 means no limit
  period=$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)
fi
if [ -z "${OMP_NUM_THREADS:-}" ] && [[ $quota =~ ^[0-9]+$ ]] && [[ $period =~ ^[1-9][0-9]*$ ]]; then
  export OMP_NUM_THREADS=$(( (quota + period - 1) / period ))
fi

# JAVA_OPTS is split on spaces on purpose (several options in one variable)
# shellcheck disable=SC2086
exec java "${opts[@]}" ${JAVA_OPTS} -cp /app org.springframework.boot.loader.launch.JarLauncher "$@"
