-- wrk script for benchmarks/callback.py: replays pre-generated POST requests.
--
-- Arguments (after `--`): PREFIX [PATH [cycle]]
--   PREFIX  thread N reads PREFIX.N.txt, one request a line: "path?query<TAB>body"
--   PATH    if not empty, replaces the path before '?' (e.g. /bare)
--   cycle   wrap around when a thread's requests run out; otherwise never repeat one and
--           send POST /exhausted (a 404, counted as non-200) instead
-- done() prints one line "JSON {...}" with counts and latency percentiles (microseconds).

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  table.insert(threads, thread)
  next_id = next_id + 1
end

function init(args)
  local prefix, path_override = args[1], args[2] or ""
  cycle = args[3] == "cycle"
  reqs = {}
  local headers = { ["Content-Type"] = "text/xml" }
  for line in io.lines(prefix .. "." .. id .. ".txt") do
    local tab = line:find("\t", 1, true)
    local path, body = line:sub(1, tab - 1), line:sub(tab + 1)
    if path_override ~= "" then
      -- keep the query string: string.find returns both ends of the match, and
      -- path:sub(path:find(...)) would cut it to the lone "?"
      local query = path:find("?", 1, true)
      path = path_override .. (query and path:sub(query) or "")
    end
    reqs[#reqs + 1] = wrk.format("POST", path, headers, body)
  end
  exhausted_request = wrk.format("POST", "/exhausted", headers, "")
  index, sent, ok, other, exhausted = 0, 0, 0, 0, 0
end

function request()
  index = index + 1
  if index > #reqs then
    if not cycle then
      exhausted = exhausted + 1
      return exhausted_request
    end
    index = 1
  end
  sent = sent + 1
  return reqs[index]
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local totals = { sent = 0, ok = 0, other = 0, exhausted = 0 }
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + thread:get(key) end
  end
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %.0f, "duration_us": %.0f, "sent": %.0f, "ok": %.0f, "other": %.0f, '
    .. '"exhausted": %.0f, "connect_errors": %.0f, "read_errors": %.0f, "write_errors": %.0f, '
    .. '"status_errors": %.0f, "timeouts": %.0f, "p50_us": %.0f, "p90_us": %.0f, '
    .. '"p99_us": %.0f, "max_us": %.0f, "mean_us": %.1f}\n',
    summary.requests, summary.duration, totals.sent, totals.ok, totals.other,
    totals.exhausted, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
