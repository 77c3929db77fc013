-- wrk: the mixed load, 9 of every 10 requests read my queue, the 10th signs the next order from the ids file
-- (one id per line), all as the signed-in handler. Each wrk thread takes every n-th id (n = THREADS, default 2),
-- so no order is signed twice; a sign refused or failed shows in "non-2xx or errors".
local ids = {}
local token = os.getenv("TOKEN")
local threads = tonumber(os.getenv("THREADS") or "2")
local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
  i = 0
  signs = 0
end

function request()
  i = i + 1
  if i % 10 == 0 then
    local id = ids[(signs * threads + (thread_index or 0)) % #ids + 1]
    signs = signs + 1
    return wrk.format("POST", "/api/v1/orders/" .. id .. "/sign",
      { ["Authorization"] = "Bearer " .. token, ["Content-Length"] = "0" })
  end
  return wrk.format("GET", "/api/v1/queue?limit=50", { ["Authorization"] = "Bearer " .. token })
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx or errors: %d\n", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
