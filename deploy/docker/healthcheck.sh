#!/bin/bash
# HTTP health probe with bash alone (no curl/wget in the image): GET $1 (default /actuator/health/readiness) on the
# management port 127.0.0.1:$MANAGEMENT_SERVER_PORT, exit 0 on status 200, 1 otherwise. Used by the image's
# HEALTHCHECK and docker-compose.
path=${1:-/actuator/health/readiness}
exec 3<>"/dev/tcp/127.0.0.1/${MANAGEMENT_SERVER_PORT:-8082}" 2>/dev/null || exit 1
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 5 status <&3 || exit 1
exec 3<&-
[[ $status == HTTP/1.?\ 200* ]]
