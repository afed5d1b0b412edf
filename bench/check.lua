-- wrk script for bench/run.py: POST one GraphQL request and check every answer.
--
-- usage: wrk ... -s check.lua URL -- BODY_FILE EXPECTED_FILE [FIRST_BAD_FILE]
-- Each response counts as wrong unless its status is 200 and its body is byte for byte the
-- expected one (an answer the harness verified as full JSON before the run); the first bad
-- one is written to FIRST_BAD_FILE (status line, then body) for the report. wrk's own
-- latency histogram gives the percentiles; done() prints one JSON line for the harness.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function slurp(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end

function init(args)
  wrk.method = "POST"
  wrk.body = slurp(args[1])
  wrk.headers["Content-Type"] = "application/json"
  expected = slurp(args[2])
  first_bad_path = args[3]
  wrong = 0
  non200 = 0
end

local function keep_first_bad(status, body)
  if first_bad_path then
    local file = io.open(first_bad_path, "wb")
    if file then
      file:write(status, "\n", body or "")
      file:close()
    end
    first_bad_path = nil
  end
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    keep_first_bad(status, body)
  elseif body ~= expected then
    wrong = wrong + 1
    keep_first_bad(status, body)
  end
end

function done(summary, latency, requests)
  local wrong_total, non200_total = 0, 0
  for _, thread in ipairs(threads) do
    wrong_total = wrong_total + thread:get("wrong")
    non200_total = non200_total + thread:get("non200")
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"wrong":%d,"non200":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, wrong_total, non200_total, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max))
end
