# convserve service image: a layered Spring Boot application on a jlinked Java 17 runtime (exactly the modules the
# service uses), ND4J's native libraries held once, a non-root user, usable with a read-only root file system (only
# /tmp must be writable). Layers and sizes: docs/containers.md.
#
# Build after `mvn -B package` (it needs target/convserve-*.jar):
#   docker build -t convserve:local .
#   docker build --build-arg JDK_IMAGE=localhost/convserve-jdk17:1 \
#                --build-arg RUNTIME_IMAGE=localhost/convserve-runtime:1 -t convserve:local .   # offline CI bases
# Run (the bundled models are baked in under /models):
#   docker run --rm -p 8080:8080 -p 8081:8081 -p 8082:8082 --read-only --tmpfs /tmp:rw,exec convserve:local
#   docker run ... -v /path/to/models:/models:ro convserve:local      # serve your own repository instead
#
# Plain Dockerfile syntax on purpose (no "# syntax=" line, no RUN --mount, no COPY --chmod): it builds with the
# legacy builder and without pulling anything but JDK_IMAGE and RUNTIME_IMAGE.
ARG JDK_IMAGE=eclipse-temurin:17-jdk-jammy
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${JDK_IMAGE} AS build
WORKDIR /build
ARG JAR_FILE=target/convserve-*.jar
COPY ${JAR_FILE} app.jar
COPY deploy/docker/java-modules deploy/docker/StripNatives.java ./
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination extracted \
 && jlink --add-modules "$(grep -v '^#' java-modules | tr -s ' \n' ',' | sed 's/^,//; s/,$//')" \
      --strip-debug --no-man-pages --no-header-files --compress=2 --output /opt/java
# JavaCPP extracts ND4J's native libraries before loading them. At run time that would need a writable *and*
# executable folder (the tmpfs of `docker run --tmpfs /tmp` is noexec), so it is done once here, by the jlinked
# runtime (which also proves its modules suffice): a start without web server on lenet5 loads every native library
# and runs a forward pass, then exits. The libraries are gathered in /opt/convserve/natives (stripped of symbols,
# identical copies as symlinks), which the service loads them from (java.library.path and JavaCPP's pathsFirst, set
# by entrypoint.sh; LD_LIBRARY_PATH for their own dependencies); the jars then lose their copies.
COPY src/main/resources/models/lenet5/ /tmp/warmup/lenet5/
RUN mkdir app && cp -r extracted/dependencies/. extracted/spring-boot-loader/. extracted/snapshot-dependencies/. \
      extracted/application/. app/ \
 && /opt/java/bin/java -Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp -Dorg.bytedeco.javacpp.logger.debug=false \
      -cp app org.springframework.boot.loader.launch.JarLauncher \
      --spring.main.web-application-type=none --inference.repository=/tmp/warmup --inference.grpc.enabled=false \
      --logging.level.root=WARN \
 && mkdir -p /opt/convserve/natives \
 && find /tmp/javacpp -name '*.so*' -print0 | xargs -0 cp -L -n -t /opt/convserve/natives/ \
 && cd /opt/convserve/natives \
 && { ! command -v strip >/dev/null || strip --strip-unneeded -- *; } \
 && md5sum -- * | sort | awk 'seen[$1]++ { print $2, first[$1]; next } { first[$1] = $2 }' \
    | while read -r duplicate original; do ln -sf "$original" "$duplicate"; done \
 && ls | grep -q libjnind4jcpu.so \
 && cd /build && java StripNatives.java extracted/dependencies/BOOT-INF/lib

# The runtime's file system: the base's C library and shell, the libraries Debian's Java links from the system for
# image decoding and colour management (Temurin's bundles them), our user; package management, documentation and
# locales go, and the result becomes one layer of the final image.
FROM ${RUNTIME_IMAGE} AS rootfs
RUN { ldconfig -p | grep -q liblcms2.so.2 && ldconfig -p | grep -q libjpeg.so.62; } \
    || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
         liblcms2-2 libjpeg62-turbo; } \
 && echo 'convserve:x:10001:0:convserve:/tmp:/usr/sbin/nologin' >> /etc/passwd \
 && rm -rf /var/lib/apt /var/cache/apt /var/cache/debconf /var/lib/dpkg /var/log/* /etc/apt /usr/lib/apt \
      /usr/bin/apt* /usr/bin/dpkg* /usr/bin/perl* /usr/share/perl* /usr/lib/x86_64-linux-gnu/perl* \
      /usr/lib/aarch64-linux-gnu/perl* /usr/share/doc /usr/share/man /usr/share/info /usr/share/locale \
      /usr/share/lintian /usr/share/zoneinfo /usr/lib/x86_64-linux-gnu/gconv /usr/lib/aarch64-linux-gnu/gconv \
 && mkdir -p /app /models /opt/convserve

FROM scratch
ARG VERSION=0.1.0-SNAPSHOT
ARG REVISION=unknown
LABEL org.opencontainers.image.title="convserve" \
      org.opencontainers.image.description="Serves LeNet/AlexNet/VGG-style CNNs over KServe v2 / Triton HTTP and gRPC and TF Serving REST, with per-layer introspection" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/convserve/convserve" \
      org.opencontainers.image.base.name="debian:bookworm-slim"
COPY --from=rootfs / /
COPY --from=build /opt/java/ /opt/java/
COPY --from=build /opt/convserve/natives/ /opt/convserve/natives/
WORKDIR /app
# dependencies/ (about 90 MB without the natives) changes rarely; application/ (about 1 MB) on every commit
COPY --from=build /build/extracted/dependencies/ ./
COPY --from=build /build/extracted/spring-boot-loader/ ./
COPY --from=build /build/extracted/snapshot-dependencies/ ./
COPY --from=build /build/extracted/application/ ./
# The model repository (docs/model-format.md). Mount a volume over /models, or set INFERENCE_REPOSITORY to
# another folder, to serve other models.
COPY src/main/resources/models/ /models/
COPY deploy/docker/entrypoint.sh deploy/docker/healthcheck.sh /opt/convserve/
ENV PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    JAVA_HOME=/opt/java \
    INFERENCE_REPOSITORY=/models \
    SERVER_PORT=8080 \
    MANAGEMENT_SERVER_PORT=8082 \
    JAVACPP_CACHE_DIR=/tmp/javacpp \
    LD_LIBRARY_PATH=/opt/convserve/natives \
    SERVER_TOMCAT_ACCESSLOG_ENABLED=true \
    HEAP_PERCENT=40 \
    OFFHEAP_PERCENT=45 \
    JAVA_OPTS=""
USER 10001:0
# 8080: HTTP (REST, v2); 8081: gRPC (KServe v2 / Triton GRPCInferenceService, health, reflection);
# 8082: management (health probes, Prometheus metrics) on its own connector and threads
EXPOSE 8080 8081 8082
# bash's /dev/tcp: no curl or wget needed in the image, and no second JVM per probe
HEALTHCHECK --interval=10s --timeout=5s --start-period=180s --retries=3 CMD ["/opt/convserve/healthcheck.sh", "/actuator/health/readiness"]
ENTRYPOINT ["/opt/convserve/entrypoint.sh"]
