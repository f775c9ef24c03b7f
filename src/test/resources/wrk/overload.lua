-- wrk script of WrkOverloadTest: POSTs the binary v2 infer body in BODY_FILE (its JSON header is HEADER_LENGTH
-- bytes) and sorts every answer: 200 whose body is byte for byte EXPECTED_FILE (the answer to the same request
-- on an idle service), 503 with Retry-After, or anything else. done() prints one RESULT line for the test to read.
-- DELAY_MS (optional) paces each connection: it waits that long before each request, so that N connections offer
-- about N * 1000 / DELAY_MS requests a second whatever the answers' latency.
local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

wrk.method = "POST"
wrk.body = slurp(os.getenv("BODY_FILE"))
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.headers["Inference-Header-Content-Length"] = os.getenv("HEADER_LENGTH")

local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
function delay()
  return delay_ms
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = slurp(os.getenv("EXPECTED_FILE"))
  correct, wrong, rejected, rejected_without_retry, other = 0, 0, 0, 0, 0
end

function response(status, headers, body)
  if status == 200 then
    if body == expected then correct = correct + 1 else wrong = wrong + 1 end
  elseif status == 503 then
    rejected = rejected + 1
    if headers["Retry-After"] == nil then rejected_without_retry = rejected_without_retry + 1 end
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local totals = {correct = 0, wrong = 0, rejected = 0, rejected_without_retry = 0, other = 0}
  for _, t in ipairs(threads) do
    for k, _ in pairs(totals) do totals[k] = totals[k] + t:get(k) end
  end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d correct=%d wrong=%d rejected=%d rejected_without_retry=%d other=%d "
    .. "connect=%d read=%d write=%d timeout=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d\n",
    summary.requests, totals.correct, totals.wrong, totals.rejected, totals.rejected_without_retry, totals.other,
    e.connect, e.read, e.write, e.timeout, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max))
end
