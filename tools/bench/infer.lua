-- wrk script of tools/bench/http.sh and request-path.sh: POSTs one v2 infer body (JSON, or binary when HEADER_LENGTH
-- is set) read from BODY_FILE, or GETs the URL when BODY_FILE is empty. Non-2xx/3xx answers are counted by wrk itself
-- (summary.errors.status): a response() callback would make wrk parse every answer in Lua, on the service's cores.
local path = os.getenv("BODY_FILE")
if path and path ~= "" then
  local f = assert(io.open(path, "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  local header = os.getenv("HEADER_LENGTH")
  if header and header ~= "" then
    wrk.headers["Content-Type"] = "application/octet-stream"
    wrk.headers["Inference-Header-Content-Length"] = header
  else
    wrk.headers["Content-Type"] = "application/json"
  end
end

function done(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
