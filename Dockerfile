# convserve service image: a layered Spring Boot application on a glibc JRE 17, running as a non-root user,
# usable with a read-only root file system (only /tmp must be writable).
#
# Build after `mvn -B package` (it needs target/convserve-*.jar):
#   docker build -t convserve:local .
#   docker build --build-arg BASE_IMAGE=localhost/convserve-jre17:1 -t convserve:local .   # offline CI base
# Run (the bundled models are baked in under /models):
#   docker run --rm -p 8080:8080 -p 8081:8081 --read-only --tmpfs /tmp:rw,exec convserve:local
#   docker run ... -v /path/to/models:/models:ro convserve:local      # serve your own repository instead
#
# Plain Dockerfile syntax on purpose (no "# syntax=" line, no RUN --mount): it builds with the legacy builder
# and without pulling anything but BASE_IMAGE.
ARG BASE_IMAGE=eclipse-temurin:17-jre-jammy

FROM ${BASE_IMAGE} AS layers
WORKDIR /build
ARG JAR_FILE=target/convserve-*.jar
COPY ${JAR_FILE} app.jar
# dependencies/ (about 250 MB, ND4J natives) changes rarely; application/ (about 1 MB) on every commit
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination extracted

FROM ${BASE_IMAGE}
# A fixed numeric user with a passwd entry (home /tmp) and group 0, so that it also works under an arbitrary
# UID (OpenShift) and with runAsNonRoot (Kubernetes checks the numeric USER).
RUN echo 'convserve:x:10001:0:convserve:/tmp:/usr/sbin/nologin' >> /etc/passwd \
 && mkdir -p /app /models /opt/convserve
WORKDIR /app
COPY --from=layers /build/extracted/dependencies/ ./
COPY --from=layers /build/extracted/spring-boot-loader/ ./
COPY --from=layers /build/extracted/snapshot-dependencies/ ./
COPY --from=layers /build/extracted/application/ ./
# The model repository (docs/model-format.md). Mount a volume over /models, or set INFERENCE_REPOSITORY to
# another folder, to serve other models.
COPY src/main/resources/models/ /models/
COPY deploy/docker/entrypoint.sh deploy/docker/healthcheck.sh /opt/convserve/
# JavaCPP extracts ND4J's native libraries before loading them. At run time that would need a writable *and*
# executable folder (the tmpfs of `docker run --tmpfs /tmp` is noexec), so it is done once here: a start of the
# application without web server on lenet5 loads every native library (and runs a forward pass), then exits;
# the libraries are gathered in /opt/convserve/natives (identical copies become symlinks), which the JVM loads them from (java.library.path and
# JavaCPP's pathsFirst, set by entrypoint.sh; LD_LIBRARY_PATH for their own dependencies).
RUN mkdir -p /tmp/warmup /opt/convserve/natives && cp -r /models/lenet5 /tmp/warmup/ \
 && java -Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp -Dorg.bytedeco.javacpp.logger.debug=false \
      -cp /app org.springframework.boot.loader.launch.JarLauncher \
      --spring.main.web-application-type=none --inference.repository=/tmp/warmup --logging.level.root=WARN \
 && find /tmp/javacpp -name '*.so*' -print0 | xargs -0 cp -L -n -t /opt/convserve/natives/ \
 && cd /opt/convserve/natives \
 && md5sum -- * | sort | awk 'seen[$1]++ { print $2, first[$1]; next } { first[$1] = $2 }' \
    | while read -r duplicate original; do ln -sf "$original" "$duplicate"; done \
 && cd /app \
 && rm -rf /tmp/* /tmp/.[!.]* \
 && ls /opt/convserve/natives | grep -q libjnind4jcpu.so \
 && chmod 0555 /opt/convserve/entrypoint.sh /opt/convserve/healthcheck.sh
ENV INFERENCE_REPOSITORY=/models \
    SERVER_PORT=8080 \
    JAVACPP_CACHE_DIR=/tmp/javacpp \
    LD_LIBRARY_PATH=/opt/convserve/natives \
    SERVER_TOMCAT_ACCESSLOG_ENABLED=true \
    HEAP_PERCENT=40 \
    OFFHEAP_PERCENT=45 \
    JAVA_OPTS=""
USER 10001:0
# 8080: HTTP (REST, v2, metrics); 8081: gRPC (KServe v2 / Triton GRPCInferenceService, health, reflection)
EXPOSE 8080 8081
# bash's /dev/tcp: no curl or wget needed in the base image, and no second JVM per probe
HEALTHCHECK --interval=10s --timeout=5s --start-period=180s --retries=3 CMD ["/opt/convserve/healthcheck.sh", "/readyz"]
ENTRYPOINT ["/opt/convserve/entrypoint.sh"]
