-- wrk script for scripts/bench-collector.sh: every request POSTs one new rating (a unique
-- rating_id per thread and request) as text/plain with the write key in the query, like the
-- widget's outbox. The rows match session-rating-collector-bench's raw-insert rows.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- args[1] (wrk ... -- OFFSET): added to the thread number, so several wrk processes posting
-- at once (scripts/bench-collector-pg.sh) make distinct rating ids.
function init(args)
  thread_id = (id or 0) + (tonumber(args[1]) or 0)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
end

local now = os.time() * 1000

function request()
  counter = counter + 1
  local n = thread_id * 100000000 + counter
  local score = n % 5 + 1
  local positive = score >= 4
  local sentiment = positive and "positive" or (score <= 2 and "negative" or "neutral")
  local problems = "[]"
  if score <= 3 then problems = (n % 2 == 1) and '["audio"]' or '["connection"]' end
  local comment = score <= 2 and "the sound kept dropping out" or ""
  local topic = (n % 3 ~= 0) and "billing" or "onboarding"
  local body = string.format(
    '{"schema":"rating.v1","rating_id":"bench-%d","session_id":"bench-%d","revision":1,' ..
    '"final":false,"scale":"stars","score":%d,"positive":%s,"sentiment":"%s","problems":%s,' ..
    '"comment":"%s","redactions":[],"submitted_at":%d,"first_submitted_at":%d,' ..
    '"edit_deadline":%d,"internal":false,"topic":"%s","agent_id":"agent-%d",' ..
    '"thresholds":{"low_score_max":3,"positive_min":4}}',
    n, n, score, tostring(positive), sentiment, problems, comment, now, now, now + 3600000,
    topic, n % 7)
  return wrk.format(nil, wrk.path, nil, body)
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status or 0
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_s":%.3f,"non_2xx":%d,"socket_errors":%d,' ..
    '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, summary.duration / 1e6, non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
