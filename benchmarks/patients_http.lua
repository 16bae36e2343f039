-- wrk script for benchmarks/patients_http.py: rotates through prepared requests and counts
-- the answers by status.
--
--   wrk -t1 -c16 -d30s --latency -s benchmarks/patients_http.lua URL -- REQUESTS_FILE THREADS
--
-- REQUESTS_FILE has one request a line: METHOD<TAB>PATH<TAB>IDEMPOTENCY-KEY<TAB>BODY (key and
-- body may be empty). Headers given with -H (Authorization, Cookie, Content-Type) go on every
-- request. Thread n of THREADS takes lines n, n + THREADS, ... so no two threads send the same
-- line; a thread that reaches the end of its lines starts again and counts a wrap (a POST sent
-- twice is then an idempotent replay, so the caller makes the file long enough).
-- done() prints one line, "RESULT {json}", that the Python side parses.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path, count = args[1], tonumber(args[2] or "1")
  requests, position, wraps = {}, 1, 0
  n200, n201, n409, nempty, nother, last_other = 0, 0, 0, 0, 0, 0
  local line_number = 0
  for line in io.lines(path) do
    if line_number % count == id then
      local method, target, key, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      for name, value in pairs(wrk.headers) do
        headers[name] = value
      end
      if key ~= "" then
        headers["Idempotency-Key"] = key
      end
      if body == "" then
        body = nil
      end
      table.insert(requests, wrk.format(method, target, headers, body))
    end
    line_number = line_number + 1
  end
end

function request()
  local r = requests[position]
  position = position + 1
  if position > #requests then
    position, wraps = 1, wraps + 1
  end
  return r
end

function response(status, headers, body)
  if status == 200 then
    n200 = n200 + 1
    if body == "[]" then
      nempty = nempty + 1
    end
  elseif status == 201 then
    n201 = n201 + 1
  elseif status == 409 then
    n409 = n409 + 1
  else
    nother, last_other = nother + 1, status
  end
end

function done(summary, latency, requests)
  local totals = {n200 = 0, n201 = 0, n409 = 0, nempty = 0, nother = 0, wraps = 0}
  local last = 0
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
    if thread:get("last_other") ~= 0 then
      last = thread:get("last_other")
    end
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d, "n200": %d, "n201": %d, ' ..
    '"n409": %d, "nempty": %d, "nother": %d, "last_other": %d, "wraps": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max, latency.mean, e.connect,
    e.read, e.write, e.status, e.timeout, totals.n200, totals.n201, totals.n409, totals.nempty,
    totals.nother, last, totals.wraps))
end
