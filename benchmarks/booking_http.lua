-- wrk script for benchmarks/booking_http.py: POSTs prepared bookings and counts the answers.
--
--   wrk -t1 -c64 -d30s --latency -s benchmarks/booking_http.lua URL -- REQUESTS_FILE THREADS
--
-- REQUESTS_FILE has one booking a line: IDEMPOTENCY-KEY<TAB>JSON BODY, POSTed to
-- /api/v1/appointments. Headers given with -H (Authorization, Content-Type) go on every request.
-- Thread n of THREADS takes lines n, n + THREADS, ... A thread that reaches the end of its lines
-- starts again and counts a wrap (the server then replays the first answer: Idempotent-Replayed,
-- counted apart). Answers: 201, 409 slot_full, other 409 (already_booked, booking_closed, ...),
-- anything else. done() prints one line, "RESULT {json}", that the Python side parses.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path, count = args[1], tonumber(args[2] or "1")
  requests, position, wraps = {}, 1, 0
  n201, nreplayed, nfull, nconflict, nother, last_other = 0, 0, 0, 0, 0, 0
  local line_number = 0
  for line in io.lines(path) do
    if line_number % count == id then
      local key, body = line:match("^([^\t]*)\t(.*)$")
      local headers = {}
      for name, value in pairs(wrk.headers) do
        headers[name] = value
      end
      headers["Idempotency-Key"] = key
      table.insert(requests, wrk.format("POST", "/api/v1/appointments", headers, body))
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
  if status == 201 then
    n201 = n201 + 1
    if headers["Idempotent-Replayed"] then
      nreplayed = nreplayed + 1
    end
  elseif status == 409 then
    if body and body:find('"slot_full"', 1, true) then
      nfull = nfull + 1
    else
      nconflict = nconflict + 1
    end
  else
    nother, last_other = nother + 1, status
  end
end

function done(summary, latency, requests)
  local totals = {n201 = 0, nreplayed = 0, nfull = 0, nconflict = 0, nother = 0, wraps = 0}
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
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "mean_us": %.1f, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d, "n201": %d, "nreplayed": %d, "nfull": %d, ' ..
    '"nconflict": %d, "nother": %d, "last_other": %d, "wraps": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.timeout,
    totals.n201, totals.nreplayed, totals.nfull, totals.nconflict, totals.nother, last,
    totals.wraps))
end
